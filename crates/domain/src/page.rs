/// Largest `page[size]` the public API accepts.
pub const MAX_PAGE_SIZE: u32 = 250;
const DEFAULT_PAGE_SIZE: u32 = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("page[number] must be an integer of at least 1")]
    Number,
    #[error("page[size] must be an integer between 1 and 250")]
    Size,
}

/// A validated page request: 1-based number, size within bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    number: u32,
    size: u32,
}

impl Default for Page {
    fn default() -> Self {
        Self {
            number: 1,
            size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl Page {
    /// Absent values take the defaults (1 and 20), as the SDKs' first request sends neither.
    pub fn new(number: Option<u32>, size: Option<u32>) -> Result<Self, PageError> {
        let number = number.unwrap_or(1);
        let size = size.unwrap_or(DEFAULT_PAGE_SIZE);
        if number == 0 {
            return Err(PageError::Number);
        }
        if size == 0 || size > MAX_PAGE_SIZE {
            return Err(PageError::Size);
        }
        Ok(Self { number, size })
    }

    pub fn number(&self) -> u32 {
        self.number
    }

    pub fn size(&self) -> u32 {
        self.size
    }

    /// Rows to skip before this page.
    pub fn offset(&self) -> u64 {
        u64::from(self.number - 1) * u64::from(self.size)
    }

    pub fn info(&self, total_results: u64) -> PageInfo {
        PageInfo {
            number: self.number,
            size: self.size,
            total_pages: u32::try_from(total_results.div_ceil(u64::from(self.size)))
                .unwrap_or(u32::MAX),
            total_results,
        }
    }
}

/// What a list answer says about its pages (`meta` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageInfo {
    pub number: u32,
    pub size: u32,
    pub total_pages: u32,
    pub total_results: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absent_values_default_to_the_first_page_of_twenty() {
        assert_eq!(
            Page::new(None, None),
            Ok(Page {
                number: 1,
                size: 20
            })
        );
    }

    #[test]
    fn out_of_range_values_are_refused() {
        assert_eq!(Page::new(Some(0), None), Err(PageError::Number));
        assert_eq!(Page::new(None, Some(0)), Err(PageError::Size));
        assert_eq!(Page::new(None, Some(251)), Err(PageError::Size));
        assert!(Page::new(Some(7), Some(250)).is_ok());
    }

    #[test]
    fn total_pages_is_the_ceiling_and_offsets_do_not_overlap() {
        let page = Page::new(Some(3), Some(10)).expect("valid");
        assert_eq!(page.offset(), 20);
        let info = page.info(55);
        assert_eq!((info.total_pages, info.total_results), (6, 55));
        assert_eq!(page.info(0).total_pages, 0);
        assert_eq!(page.info(60).total_pages, 6);
    }
}
