use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WebhookUrlError {
    #[error("must be an absolute http or https URL with a host")]
    Shape,
    #[error("must be at most 2048 characters")]
    Length,
}

/// Where webhooks are delivered: an absolute `http`/`https` URL with a host.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    pub fn parse(raw: &str) -> Result<Self, WebhookUrlError> {
        if raw.len() > 2048 {
            return Err(WebhookUrlError::Length);
        }
        let parsed = url::Url::parse(raw).map_err(|_| WebhookUrlError::Shape)?;
        if !matches!(parsed.scheme(), "http" | "https")
            || parsed.host_str().is_none_or(str::is_empty)
        {
            return Err(WebhookUrlError::Shape);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Only scheme and host: a URL's path or query may carry a customer's secret token.
impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(url) => write!(
                f,
                "WebhookUrl({}://{}/…)",
                url.scheme(),
                url.host_str().unwrap_or_default()
            ),
            Err(_) => f.write_str("WebhookUrl(…)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_urls_with_a_host() {
        assert!(WebhookUrl::parse("https://example.com/hooks").is_ok());
        assert!(WebhookUrl::parse("http://127.0.0.1:9000/h").is_ok());
        for bad in [
            "",
            "example.com/hook",
            "ftp://example.com",
            "https://",
            "mailto:a@b.c",
            "not a url",
        ] {
            assert_eq!(
                WebhookUrl::parse(bad),
                Err(WebhookUrlError::Shape),
                "{bad:?}"
            );
        }
        assert_eq!(
            WebhookUrl::parse(&format!("https://e.com/{}", "a".repeat(2048))),
            Err(WebhookUrlError::Length)
        );
    }

    #[test]
    fn debug_hides_path_query_and_credentials() {
        let url =
            WebhookUrl::parse("https://user:pw@hooks.example.com/h?token=s3cret").expect("valid");
        assert_eq!(
            format!("{url:?}"),
            "WebhookUrl(https://hooks.example.com/…)"
        );
    }
}
