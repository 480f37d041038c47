//! The documents a hosted-messaging order needs: the customer's Letter of Authorization (LOA)
//! and a recent bill from the current carrier. This module checks uploads are real PDFs,
//! extracts their text, raises the warnings a reviewer would, builds a pre-filled LOA, and
//! stores the files.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context as _;
use lopdf::content::{Content, Operation};
use lopdf::{DecompressError, Document, LoadOptions, Object, Stream, StringFormat, dictionary};

/// The two documents an order carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    Loa,
    Bill,
}

impl DocumentKind {
    /// The multipart part name the document is uploaded under.
    pub fn field(self) -> &'static str {
        match self {
            Self::Loa => "loa",
            Self::Bill => "bill",
        }
    }

    /// How warnings name the document to a person.
    fn noun(self) -> &'static str {
        match self {
            Self::Loa => "letter of authorization",
            Self::Bill => "bill",
        }
    }
}

/// The largest upload accepted, per document.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Bounds decoded page content across the whole document, and each stream decoded while loading:
/// a small compressed stream can inflate enormously, and one stream can be shared by every page.
const CONTENT_BUDGET: usize = 64 * 1024 * 1024;

/// Text extraction decodes each page's fonts again, which the content budget does not count;
/// capping pages bounds that. Real bills and LOAs (1000 numbers is ~25 pages) are far below it.
const MAX_PAGES: usize = 2000;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the document is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the document is empty")]
    Empty,
    #[error("the document is not a PDF")]
    NotPdf,
    #[error("the PDF cannot be read: {0}")]
    Unreadable(String),
}

/// What `inspect` learned from a PDF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfSummary {
    pub pages: u32,
    /// All pages' extracted text, in page order.
    pub text: String,
}

/// Checks the bytes are a real PDF (starts with "%PDF-", parses, has at least one page) within
/// the limit; returns its text. CPU-heavy: callers run it on the blocking pool.
pub fn inspect(bytes: &[u8]) -> Result<PdfSummary, PdfError> {
    // Size first, so an oversized upload costs nothing to refuse.
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(PdfError::TooLarge {
            limit: MAX_DOCUMENT_BYTES,
        });
    }
    if bytes.is_empty() {
        return Err(PdfError::Empty);
    }
    if !bytes.starts_with(b"%PDF-") {
        return Err(PdfError::NotPdf);
    }
    let options = LoadOptions {
        max_decompressed_size: Some(CONTENT_BUDGET),
        ..LoadOptions::default()
    };
    let doc = Document::load_mem_with_options(bytes, options).map_err(unreadable)?;
    // lopdf loads a file it cannot decrypt without error, but with nothing readable in it.
    if doc.is_encrypted() && !doc.was_encrypted() {
        return Err(PdfError::Unreadable("it is password-protected".into()));
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(PdfError::Unreadable("it has no pages".into()));
    }
    if pages.len() > MAX_PAGES {
        return Err(PdfError::Unreadable(format!(
            "it has {} pages; at most {MAX_PAGES} are accepted",
            pages.len()
        )));
    }

    let mut remaining = CONTENT_BUDGET;
    let mut text = String::new();
    for (&number, &page_id) in &pages {
        // lopdf bounds each page's content but not their sum, so measure each page against
        // what is left of the document's budget before extracting its text.
        let size = doc
            .get_page_content_with_limit(page_id, remaining)
            .map_err(too_much_content)?
            .len();
        for chunk in doc.extract_text_chunks_with_limit(&[number], remaining) {
            match chunk {
                Ok(chunk) => text.push_str(&chunk),
                Err(
                    err @ lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. }),
                ) => {
                    return Err(too_much_content(err));
                }
                // Best effort: a font or operator lopdf cannot decode loses that text only;
                // the warnings then tell the reviewer what could not be found.
                Err(_) => {}
            }
        }
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        remaining = remaining.saturating_sub(size);
    }
    let pages = u32::try_from(pages.len()).map_err(unreadable)?;
    Ok(PdfSummary { pages, text })
}

fn unreadable(err: impl std::fmt::Display) -> PdfError {
    PdfError::Unreadable(err.to_string())
}

/// Names the document-wide budget rather than lopdf's per-call limit, which shrinks to zero as
/// pages use the budget up.
fn too_much_content(err: lopdf::Error) -> PdfError {
    match err {
        lopdf::Error::Decompress(DecompressError::MemoryLimitExceeded { .. }) => {
            PdfError::Unreadable(format!(
                "its content decompresses to more than {} MiB",
                CONTENT_BUDGET / (1024 * 1024)
            ))
        }
        other => unreadable(other),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningCode {
    NoText,
    NumberNotShown,
    NoSignature,
}

impl WarningCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoText => "no_text",
            Self::NumberNotShown => "number_not_shown",
            Self::NoSignature => "no_signature",
        }
    }
}

/// Something a reviewer would raise about a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub document: DocumentKind,
    /// The order number concerned, for `NumberNotShown`.
    pub phone_number: Option<String>,
    pub code: WarningCode,
    pub message: String,
}

/// Pure: the named warnings a reviewer would raise, before anyone reviews it.
/// - NoText: the PDF has no extractable text (an image scan): one warning, no per-number checks.
/// - NumberNotShown (bill and LOA): each order number (E.164) the text does not show in a common
///   US spelling ("+13125550001", "3125550001", "(312) 555-0001", "312-555-0001",
///   "312.555.0001", "312 555 0001", ...).
/// - NoSignature (LOA only): none of "signature", "signed", "authorized signer" (any case).
pub fn precheck(kind: DocumentKind, summary: &PdfSummary, numbers: &[String]) -> Vec<Warning> {
    let noun = kind.noun();
    if !summary.text.chars().any(char::is_alphanumeric) {
        return vec![Warning {
            document: kind,
            phone_number: None,
            code: WarningCode::NoText,
            message: format!(
                "The {noun} has no readable text (it may be a scanned image), so it could not be checked automatically."
            ),
        }];
    }

    let targets: Vec<String> = numbers.iter().map(|n| searchable_digits(n)).collect();
    let lengths: BTreeSet<usize> = targets.iter().map(String::len).collect();
    let runs = phone_runs(&summary.text);
    let shown = shown_digits(&runs, &lengths);
    let mut warnings: Vec<Warning> = numbers
        .iter()
        .zip(&targets)
        .filter(|(_, target)| target.is_empty() || !shown.contains(target.as_str()))
        .map(|(number, _)| Warning {
            document: kind,
            phone_number: Some(number.clone()),
            code: WarningCode::NumberNotShown,
            message: format!("The {noun} does not show {number}."),
        })
        .collect();

    if kind == DocumentKind::Loa {
        let lower = summary.text.to_lowercase();
        if !["signature", "signed", "authorized signer"]
            .iter()
            .any(|w| lower.contains(w))
        {
            warnings.push(Warning {
                document: kind,
                phone_number: None,
                code: WarningCode::NoSignature,
                message: format!("The {noun} has no signature block."),
            });
        }
    }
    warnings
}

/// The digits a document must show for an E.164 number: the 10-digit national number for
/// +1 (documents rarely print the country code), else every digit.
fn searchable_digits(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    match digits.strip_prefix('1') {
        Some(national) if digits.len() == 11 => national.to_string(),
        _ => digits,
    }
}

/// Characters that may separate the digit groups of one written phone number.
fn is_phone_punctuation(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')' | '+')
}

/// A stretch of text that could be phone numbers: digit groups joined by at most three
/// punctuation characters ("(312) 555-0001", "+1 312.555.0001"). Holds the digits alone and the
/// offsets in them where groups start and end.
struct PhoneRun {
    digits: String,
    bounds: Vec<usize>,
}

fn phone_runs(text: &str) -> Vec<PhoneRun> {
    let mut runs = Vec::new();
    let mut current = PhoneRun {
        digits: String::new(),
        bounds: vec![0],
    };
    // Punctuation characters since the last digit; None once anything else interrupts.
    let mut gap: Option<usize> = None;
    for c in text.chars() {
        if c.is_ascii_digit() {
            match gap {
                Some(0) => {}
                Some(1..=3) => current.bounds.push(current.digits.len()),
                _ => {
                    if !current.digits.is_empty() {
                        current.bounds.push(current.digits.len());
                        runs.push(current);
                    }
                    current = PhoneRun {
                        digits: String::new(),
                        bounds: vec![0],
                    };
                }
            }
            current.digits.push(c);
            gap = Some(0);
        } else if is_phone_punctuation(c) {
            gap = gap.map(|g| g + 1);
        } else {
            gap = None;
        }
    }
    if !current.digits.is_empty() {
        current.bounds.push(current.digits.len());
        runs.push(current);
    }
    runs
}

/// Every digit string of the wanted lengths the text shows as a number: whole groups joined in
/// a run ("312" "555" "0001"), or any stretch inside one group, since text extraction can glue
/// a number to digits printed next to it ("+13125550001", "Line 23125550001").
fn shown_digits<'a>(runs: &'a [PhoneRun], lengths: &BTreeSet<usize>) -> HashSet<&'a str> {
    let mut shown = HashSet::new();
    let Some(&longest) = lengths.last() else {
        return shown;
    };
    for run in runs {
        let digits = run.digits.as_str();
        for (i, &start) in run.bounds.iter().enumerate() {
            for &end in &run.bounds[i + 1..] {
                if end - start > longest {
                    break;
                }
                if lengths.contains(&(end - start)) {
                    shown.insert(&digits[start..end]);
                }
            }
        }
        for group in run.bounds.windows(2) {
            let group = &digits[group[0]..group[1]];
            for &len in lengths.range(..group.len()) {
                // Digits are ASCII, so byte offsets are character offsets.
                for offset in 0..=group.len() - len {
                    shown.insert(&group[offset..offset + len]);
                }
            }
        }
    }
    shown
}

/// A pre-filled Letter of Authorization for these numbers: title, order, account, date, the
/// authorisation, the numbers (continuing over further pages as needed) and a signature block.
/// `inspect` accepts it and `precheck(Loa, ..)` raises nothing for the same numbers.
pub fn loa_template(
    order_id: &str,
    account_name: &str,
    numbers: &[String],
    date: chrono::NaiveDate,
) -> Result<Vec<u8>, PdfError> {
    let mut page = Layout::new(format!(
        "Letter of Authorization - order {order_id} (continued)"
    ));
    page.line(Font::Bold, 18.0, "Letter of Authorization", 26.0);
    page.line(
        Font::Regular,
        11.0,
        "Hosting of messaging for existing telephone numbers",
        28.0,
    );
    page.line(Font::Regular, 11.0, &format!("Order ID: {order_id}"), 15.0);
    for (i, line) in wrap(&format!("Account: {account_name}"), WRAP_CHARS)
        .iter()
        .enumerate()
    {
        let label_indent = if i == 0 { "" } else { "    " };
        page.line(Font::Regular, 11.0, &format!("{label_indent}{line}"), 15.0);
    }
    page.line(
        Font::Regular,
        11.0,
        &format!("Date: {}", date.format("%B %-d, %Y")),
        26.0,
    );

    let authorisation = format!(
        "I, the undersigned, am authorized to act for {account_name}, the customer of record for the \
         telephone numbers listed below. I authorize textport, on behalf of Telnyx-compatible hosting, \
         to host messaging (SMS and MMS) for these numbers. Voice service for the numbers stays with \
         the current carrier: this letter does not port the numbers or change who provides voice \
         service. This authorization remains in effect until I revoke it in writing."
    );
    for line in wrap(&authorisation, WRAP_CHARS) {
        page.line(Font::Regular, 11.0, &line, 15.0);
    }
    page.space(12.0);

    page.line(
        Font::Bold,
        12.0,
        &format!("Telephone numbers ({})", numbers.len()),
        18.0,
    );
    for row in numbers.chunks(NUMBER_COLUMNS) {
        page.need(NUMBER_LEADING);
        for (column, number) in (0u8..).zip(row) {
            page.text_at(
                Font::Regular,
                10.0,
                MARGIN + f32::from(column) * NUMBER_COLUMN_WIDTH,
                number,
            );
        }
        page.space(NUMBER_LEADING);
    }
    page.space(18.0);

    // Kept on one page, so a signer never finds the block split.
    page.need(SIGNATURE_BLOCK_HEIGHT);
    page.line(Font::Bold, 12.0, "Authorized signer", 16.0);
    page.line(
        Font::Regular,
        10.0,
        "By signing, I confirm that I am authorized to make this request for the account named above.",
        30.0,
    );
    for label in ["Signature", "Printed name", "Title", "Date"] {
        page.text_at(Font::Regular, 11.0, MARGIN, label);
        page.rule(MARGIN + 90.0, PAGE_WIDTH - MARGIN, page.y - 2.0);
        page.space(30.0);
    }
    page.finish()
}

const PAGE_WIDTH: f32 = 612.0;
const PAGE_HEIGHT: f32 = 792.0;
const MARGIN: f32 = 72.0;
/// Characters per body line: Helvetica averages about half an em, so 80 characters at 11 pt
/// stay within the 468 pt text width for ordinary prose.
const WRAP_CHARS: usize = 80;
const NUMBER_COLUMNS: usize = 4;
const NUMBER_COLUMN_WIDTH: f32 = 117.0;
const NUMBER_LEADING: f32 = 14.0;
const SIGNATURE_BLOCK_HEIGHT: f32 = 16.0 + 30.0 + 4.0 * 30.0;

/// Splits text into lines of at most `width` characters at spaces, breaking longer words.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[derive(Clone, Copy)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Self::Regular => "F1",
            Self::Bold => "F2",
        }
    }
}

/// Lays text out top to bottom on US Letter pages, starting a new page when one is full.
struct Layout {
    done: Vec<Vec<Operation>>,
    current: Vec<Operation>,
    /// Baseline of the next line.
    y: f32,
    /// Heads every page after the first, so a loose page still says what it belongs to.
    continued: String,
}

impl Layout {
    fn new(continued: String) -> Self {
        Self {
            done: Vec::new(),
            current: Vec::new(),
            y: PAGE_HEIGHT - MARGIN,
            continued,
        }
    }

    /// Starts a new page unless `height` more fits above the bottom margin.
    fn need(&mut self, height: f32) {
        if self.y - height >= MARGIN {
            return;
        }
        self.done.push(std::mem::take(&mut self.current));
        self.y = PAGE_HEIGHT - MARGIN;
        let heading = self.continued.clone();
        self.line(Font::Bold, 10.0, &heading, 24.0);
    }

    fn space(&mut self, height: f32) {
        self.y -= height;
    }

    /// One line at the left margin, then moves down by `leading`.
    fn line(&mut self, font: Font, size: f32, text: &str, leading: f32) {
        self.need(leading);
        self.text_at(font, size, MARGIN, text);
        self.space(leading);
    }

    /// Text at `x` on the current baseline.
    fn text_at(&mut self, font: Font, size: f32, x: f32, text: &str) {
        self.current.extend(text_ops(font, size, x, self.y, text));
    }

    /// A horizontal hairline, such as a signature line.
    fn rule(&mut self, from_x: f32, to_x: f32, y: f32) {
        self.current.extend([
            Operation::new("w", vec![0.75f32.into()]),
            Operation::new("m", vec![from_x.into(), y.into()]),
            Operation::new("l", vec![to_x.into(), y.into()]),
            Operation::new("S", vec![]),
        ]);
    }

    /// Numbers the pages when there is more than one and writes the PDF.
    fn finish(mut self) -> Result<Vec<u8>, PdfError> {
        self.done.push(self.current);
        let total = self.done.len();
        if total > 1 {
            for (index, page) in self.done.iter_mut().enumerate() {
                let footer = format!("Page {} of {total}", index + 1);
                page.extend(text_ops(Font::Regular, 9.0, MARGIN, MARGIN / 2.0, &footer));
            }
        }
        write_pdf(self.done)
    }
}

/// One piece of text as its own text object: extraction ends each text object with a line
/// break, so neighbouring pieces (numbers side by side in a row) never run together.
fn text_ops(font: Font, size: f32, x: f32, y: f32, text: &str) -> [Operation; 5] {
    [
        Operation::new("BT", vec![]),
        Operation::new("Tf", vec![font.resource().into(), size.into()]),
        Operation::new("Td", vec![x.into(), y.into()]),
        Operation::new(
            "Tj",
            vec![Object::String(win_ansi(text), StringFormat::Literal)],
        ),
        Operation::new("ET", vec![]),
    ]
}

/// Builds a PDF of Letter pages from their content operations, with Helvetica and
/// Helvetica-Bold (standard fonts, so nothing is embedded) as F1 and F2.
fn write_pdf(pages: Vec<Vec<Operation>>) -> Result<Vec<u8>, PdfError> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.try_new_object_id().map_err(unreadable)?;
    let font = |base: &str| {
        dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => base,
            // WinAnsi so accented Latin names render and extract as written.
            "Encoding" => "WinAnsiEncoding",
        }
    };
    let regular = doc.try_add_object(font("Helvetica")).map_err(unreadable)?;
    let bold = doc
        .try_add_object(font("Helvetica-Bold"))
        .map_err(unreadable)?;
    let resources = doc
        .try_add_object(dictionary! { "Font" => dictionary! { "F1" => regular, "F2" => bold } })
        .map_err(unreadable)?;

    let mut kids = Vec::with_capacity(pages.len());
    for operations in pages {
        let content = Content { operations }.encode().map_err(unreadable)?;
        let content_id = doc
            .try_add_object(Stream::new(dictionary! {}, content))
            .map_err(unreadable)?;
        let page_id = doc
            .try_add_object(dictionary! {
                "Type" => "Page",
                "Parent" => pages_id,
                "Contents" => content_id,
            })
            .map_err(unreadable)?;
        kids.push(Object::from(page_id));
    }
    let count = i64::try_from(kids.len()).map_err(unreadable)?;
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => count,
            "Resources" => resources,
            "MediaBox" => vec![0.into(), 0.into(), PAGE_WIDTH.into(), PAGE_HEIGHT.into()],
        }),
    );
    let catalog = doc
        .try_add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id })
        .map_err(unreadable)?;
    doc.trailer.set("Root", catalog);
    doc.compress();

    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(unreadable)?;
    Ok(bytes)
}

/// Encodes text for a WinAnsiEncoding font: Latin-1 maps to itself, a few typographic
/// characters have their own codes, and anything else becomes "?" rather than garbage.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            ' '..='~' | '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
            '\u{20ac}' => 0x80,
            '\u{2026}' => 0x85,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            _ => b'?',
        })
        .collect()
}

/// Where uploaded files live. Keys are generated by the caller (UUID strings).
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()>;
    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>>;
}

/// A local directory (the default). Writes to a temporary file in the same directory then
/// renames, so a reader never sees half a file; refuses keys with anything but [A-Za-z0-9-];
/// creates the directory on first use.
pub struct LocalDirStore {
    root: PathBuf,
}

impl LocalDirStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file for `key`; the key's alphabet keeps it inside `root` (no "/", no "..").
    fn path(&self, key: &str) -> anyhow::Result<PathBuf> {
        let valid = !key.is_empty()
            && key.len() <= 128
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        anyhow::ensure!(
            valid,
            "invalid blob key {key:?}: use 1-128 of A-Z, a-z, 0-9 and -"
        );
        Ok(self.root.join(key))
    }
}

/// Makes temporary names unique among concurrent writers of this process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

#[async_trait::async_trait]
impl BlobStore for LocalDirStore {
    async fn put(&self, key: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.path(key)?;
        tokio::fs::create_dir_all(&self.root)
            .await
            .with_context(|| format!("creating blob directory {}", self.root.display()))?;
        // The dot and "." in the name keep temporaries apart from keys, which allow neither.
        let temp = self.root.join(format!(
            ".{key}.{}.{}.tmp",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let written = write_synced(&temp, bytes).await;
        let result = match written {
            Ok(()) => tokio::fs::rename(&temp, &path)
                .await
                .with_context(|| format!("moving blob into place at {}", path.display())),
            Err(err) => Err(err),
        };
        if result.is_err() {
            // Best effort: the error being returned matters more than a stray temporary.
            let _ = tokio::fs::remove_file(&temp).await;
        }
        result
    }

    async fn get(&self, key: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.path(key)?;
        tokio::fs::read(&path)
            .await
            .with_context(|| format!("reading blob {}", path.display()))
    }
}

/// Writes and flushes to disk, so the rename never publishes a file whose data is still only
/// in memory.
/// (Reopening to sync keeps to tokio's "fs" feature; its async write traits need "io-util".)
async fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    tokio::fs::write(path, bytes)
        .await
        .with_context(|| format!("writing {}", path.display()))?;
    tokio::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .await
        .with_context(|| format!("opening {}", path.display()))?
        .sync_all()
        .await
        .with_context(|| format!("syncing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(list: &[&str]) -> Vec<String> {
        list.iter().map(|n| n.to_string()).collect()
    }

    /// A one-page PDF with these lines of text.
    fn text_pdf(lines: &[&str]) -> Vec<u8> {
        let mut page = Layout::new(String::new());
        for line in lines {
            page.line(Font::Regular, 11.0, line, 15.0);
        }
        page.finish().expect("writes")
    }

    /// A one-page PDF with a drawing and no text operators, like an image scan.
    fn drawing_pdf() -> Vec<u8> {
        let mut page = Layout::new(String::new());
        page.rule(MARGIN, PAGE_WIDTH - MARGIN, PAGE_HEIGHT / 2.0);
        page.finish().expect("writes")
    }

    fn codes(warnings: &[Warning]) -> Vec<WarningCode> {
        warnings.iter().map(|w| w.code).collect()
    }

    fn date() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 1, 15).expect("valid date")
    }

    #[test]
    fn names_match_the_api() {
        assert_eq!(DocumentKind::Loa.field(), "loa");
        assert_eq!(DocumentKind::Bill.field(), "bill");
        assert_eq!(WarningCode::NoText.as_str(), "no_text");
        assert_eq!(WarningCode::NumberNotShown.as_str(), "number_not_shown");
        assert_eq!(WarningCode::NoSignature.as_str(), "no_signature");
    }

    #[test]
    fn refuses_what_is_not_a_pdf() {
        assert!(matches!(
            inspect(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Err(PdfError::NotPdf)
        ));
        assert!(matches!(
            inspect(b"Dear reviewer, please find my bill."),
            Err(PdfError::NotPdf)
        ));
        assert!(matches!(inspect(b""), Err(PdfError::Empty)));
    }

    #[test]
    fn refuses_oversized_before_parsing() {
        let mut bytes = text_pdf(&["(312) 555-0001"]);
        bytes.resize(MAX_DOCUMENT_BYTES + 1, b' ');
        assert!(matches!(
            inspect(&bytes),
            Err(PdfError::TooLarge {
                limit: MAX_DOCUMENT_BYTES
            })
        ));
        bytes.truncate(MAX_DOCUMENT_BYTES);
        assert!(inspect(&bytes).is_ok(), "exactly at the limit is accepted");
    }

    #[test]
    fn refuses_garbled_and_truncated_pdfs() {
        let garbled = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\nthis is not really a PDF at all\n";
        assert!(matches!(inspect(garbled), Err(PdfError::Unreadable(_))));
        let whole = loa_template("ord-1", "Example Co", &numbers(&["+13125550001"]), date())
            .expect("writes");
        assert!(matches!(
            inspect(&whole[..64]),
            Err(PdfError::Unreadable(_))
        ));
    }

    #[test]
    fn refuses_content_over_the_budget_even_when_shared() {
        // One small compressed stream of 1 MiB shared by every page: each page is within
        // lopdf's own limit, but together they exceed the document's budget.
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let mut content = Stream::new(dictionary! {}, vec![b' '; 1024 * 1024]);
        content.compress().expect("compresses");
        let content_id = doc.add_object(content);
        let count = CONTENT_BUDGET / (1024 * 1024) + 2;
        let kids: Vec<Object> = (0..count)
            .map(|_| {
                doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id })
                    .into()
            })
            .collect();
        let pages = dictionary! {
            "Type" => "Pages",
            "Kids" => kids,
            "Count" => i64::try_from(count).expect("small"),
            "MediaBox" => vec![0.into(), 0.into(), PAGE_WIDTH.into(), PAGE_HEIGHT.into()],
        };
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).expect("writes");
        assert!(
            bytes.len() < 64 * 1024,
            "the file itself is small: {}",
            bytes.len()
        );
        match inspect(&bytes) {
            Err(PdfError::Unreadable(reason)) => assert!(reason.contains("MiB"), "{reason}"),
            other => panic!("expected Unreadable, got {other:?}"),
        }
    }

    #[test]
    fn text_pdf_with_number_and_signature_has_no_warnings() {
        let bytes = text_pdf(&["Service number: (312) 555-0001", "Signature: ________"]);
        let summary = inspect(&bytes).expect("readable");
        assert_eq!(summary.pages, 1);
        assert!(
            summary.text.contains("(312) 555-0001"),
            "{:?}",
            summary.text
        );
        let wanted = numbers(&["+13125550001"]);
        assert_eq!(precheck(DocumentKind::Loa, &summary, &wanted), vec![]);
        assert_eq!(precheck(DocumentKind::Bill, &summary, &wanted), vec![]);
    }

    #[test]
    fn pdf_without_text_gets_only_no_text() {
        let summary = inspect(&drawing_pdf()).expect("readable");
        assert_eq!(summary.pages, 1);
        let wanted = numbers(&["+13125550001", "+13125550002"]);
        for kind in [DocumentKind::Loa, DocumentKind::Bill] {
            let warnings = precheck(kind, &summary, &wanted);
            assert_eq!(codes(&warnings), vec![WarningCode::NoText]);
            assert_eq!(warnings[0].document, kind);
            assert_eq!(warnings[0].phone_number, None);
        }
    }

    #[test]
    fn bill_missing_a_number_names_it() {
        let summary =
            inspect(&text_pdf(&["Your bill", "Line 1: (312) 555-0001"])).expect("readable");
        let warnings = precheck(
            DocumentKind::Bill,
            &summary,
            &numbers(&["+13125550001", "+13125550002"]),
        );
        assert_eq!(codes(&warnings), vec![WarningCode::NumberNotShown]);
        assert_eq!(warnings[0].document, DocumentKind::Bill);
        assert_eq!(warnings[0].phone_number.as_deref(), Some("+13125550002"));
        assert!(warnings[0].message.contains("+13125550002"));
    }

    #[test]
    fn loa_without_signature_words() {
        let summary =
            inspect(&text_pdf(&["I authorize hosting of +13125550001."])).expect("readable");
        let warnings = precheck(DocumentKind::Loa, &summary, &numbers(&["+13125550001"]));
        assert_eq!(codes(&warnings), vec![WarningCode::NoSignature]);
        // Bills are not signed.
        assert_eq!(
            precheck(DocumentKind::Bill, &summary, &numbers(&["+13125550001"])),
            vec![]
        );
    }

    #[test]
    fn recognises_common_us_spellings() {
        let wanted = numbers(&["+13125550001"]);
        for spelling in [
            "+13125550001",
            "13125550001",
            "3125550001",
            "(312) 555-0001",
            "312-555-0001",
            "312.555.0001",
            "312 555 0001",
            "+1 (312) 555-0001",
            "1-312-555-0001",
            "Tel:(312)555-0001.",
            "Line 23125550001",
        ] {
            let summary = PdfSummary {
                pages: 1,
                text: format!("Number {spelling} is signed"),
            };
            assert_eq!(
                precheck(DocumentKind::Loa, &summary, &wanted),
                vec![],
                "{spelling}"
            );
        }
        for other in [
            "3125 5500010",
            "312 555 00012",
            "Invoice 312, 555 items, 0001 code",
            "(312) 555-0002",
        ] {
            let summary = PdfSummary {
                pages: 1,
                text: format!("Number {other} is signed"),
            };
            let warnings = precheck(DocumentKind::Loa, &summary, &wanted);
            assert_eq!(
                codes(&warnings),
                vec![WarningCode::NumberNotShown],
                "{other}"
            );
        }
    }

    #[test]
    fn loa_template_passes_its_own_checks() {
        for count in [1usize, 120, 1000] {
            let wanted: Vec<String> = (0..count).map(|i| format!("+1312555{i:04}")).collect();
            let bytes = loa_template("ord-123", "Example Co", &wanted, date()).expect("writes");
            let summary = inspect(&bytes).expect("readable");
            assert_eq!(
                summary.pages > 1,
                count > 40,
                "{count} numbers on {} pages",
                summary.pages
            );
            assert_eq!(
                precheck(DocumentKind::Loa, &summary, &wanted),
                vec![],
                "{count} numbers"
            );
            for words in [
                "Authorized signer",
                "Signature",
                "Printed name",
                "Date",
                "ord-123",
                "Example Co",
                "January 15, 2026",
            ] {
                assert!(summary.text.contains(words), "{words} missing from {count}");
            }
        }
    }

    #[test]
    fn loa_template_keeps_latin_names() {
        let bytes = loa_template(
            "o",
            "Caf\u{e9} \u{dc}nion \u{2013} S\u{e3}o Paulo",
            &numbers(&["+13125550001"]),
            date(),
        )
        .expect("writes");
        let summary = inspect(&bytes).expect("readable");
        assert!(
            summary
                .text
                .contains("Caf\u{e9} \u{dc}nion \u{2013} S\u{e3}o Paulo"),
            "{:?}",
            summary.text
        );
    }

    #[test]
    fn wrap_breaks_at_spaces_and_long_words() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap("abcdefg x", 5), vec!["abcde", "fg x"]);
    }

    fn temp_dir(name: &str) -> PathBuf {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_nanos();
        std::env::temp_dir().join(format!("documents-{name}-{}-{nanos}", std::process::id()))
    }

    #[tokio::test]
    async fn local_dir_store_round_trip() {
        let root = temp_dir("store");
        let store = LocalDirStore::new(root.join("blobs"));
        let key = "0b6f6a7e-2c1d-4f3e-9a8b-7c6d5e4f3a2b";
        store.put(key, b"%PDF-1.5 first").await.expect("put");
        store.put(key, b"%PDF-1.5 second").await.expect("overwrite");
        assert_eq!(store.get(key).await.expect("get"), b"%PDF-1.5 second");
        let names: Vec<_> = std::fs::read_dir(root.join("blobs"))
            .expect("listed")
            .map(|entry| entry.expect("entry").file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from(key)],
            "no temporaries left behind"
        );
        assert!(store.get("missing").await.is_err());
        std::fs::remove_dir_all(&root).expect("cleaned up");
    }

    #[tokio::test]
    async fn local_dir_store_refuses_unsafe_keys() {
        let root = temp_dir("keys");
        let store = LocalDirStore::new(&root);
        for key in ["../x", "", "a/b", "a.b", ".hidden", "a b", &"k".repeat(129)] {
            assert!(store.put(key, b"x").await.is_err(), "put {key:?}");
            assert!(store.get(key).await.is_err(), "get {key:?}");
        }
        assert!(!root.exists(), "nothing written for refused keys");
    }

    /// Regenerates the PDF fixtures the end-to-end tests upload:
    /// `cargo test -p <this crate> documents::tests::write_fixtures -- --ignored`.
    #[test]
    #[ignore = "writes tests/fixtures/pdf; run by hand to regenerate"]
    fn write_fixtures() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/pdf");
        std::fs::create_dir_all(&dir).expect("fixture directory");
        let loa = loa_template(
            "fixture-order",
            "Example Co",
            &numbers(&["+13125550001"]),
            date(),
        )
        .expect("writes");
        let bill = text_pdf(&[
            "Example Wireless - monthly bill",
            "Billing period: January 1-31, 2026",
            "Account holder: Example Co",
            "Service number: (312) 555-0001",
            "Talk and text plan: $25.00",
            "Total due: $25.00",
        ]);
        for (name, bytes) in [
            ("loa.pdf", loa),
            ("bill.pdf", bill),
            ("scan.pdf", drawing_pdf()),
        ] {
            std::fs::write(dir.join(name), bytes).expect("fixture written");
        }
    }
}
