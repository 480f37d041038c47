//! PLACEHOLDER until the documents module lands (interface only, for type-checking).
#![allow(dead_code, unused_variables, clippy::all)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind { Loa, Bill }
impl DocumentKind { pub fn field(self) -> &'static str { match self { Self::Loa => "loa", Self::Bill => "bill" } } }
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;
#[derive(Debug, thiserror::Error)]
pub enum PdfError { #[error("too large")] TooLarge { limit: usize }, #[error("empty")] Empty, #[error("not pdf")] NotPdf, #[error("unreadable {0}")] Unreadable(String) }
pub struct PdfSummary { pub pages: u32, pub text: String }
pub fn inspect(bytes: &[u8]) -> Result<PdfSummary, PdfError> { Err(PdfError::NotPdf) }
#[derive(Debug, Clone, Copy)]
pub enum WarningCode { NoText, NumberNotShown, NoSignature }
impl WarningCode { pub fn as_str(self) -> &'static str { "x" } }
pub struct Warning { pub document: DocumentKind, pub phone_number: Option<String>, pub code: WarningCode, pub message: String }
pub fn precheck(kind: DocumentKind, summary: &PdfSummary, numbers: &[String]) -> Vec<Warning> { Vec::new() }
pub fn loa_template(order_id: &str, account_name: &str, numbers: &[String], date: chrono::NaiveDate) -> Result<Vec<u8>, PdfError> { Err(PdfError::Empty) }
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync { async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()>; async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>>; }
pub struct LocalDirStore { root: std::path::PathBuf }
impl LocalDirStore { pub fn new(root: impl Into<std::path::PathBuf>) -> Self { Self { root: root.into() } } }
#[async_trait::async_trait]
impl BlobStore for LocalDirStore { async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()> { Ok(()) } async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> { Ok(Vec::new()) } }
