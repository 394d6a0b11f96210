//! Statistical years: plain integers, with the one checked way to count years from a base.

/// A statistical year.
pub type Year = i32;

/// The year `offset` years after `base`, or `None` past the range of [`Year`].
pub(crate) fn year_after(base: Year, offset: usize) -> Option<Year> {
    i64::try_from(offset)
        .ok()
        .and_then(|o| Year::try_from(i64::from(base) + o).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_never_wrap() {
        assert_eq!(year_after(2019, 5), Some(2024));
        assert_eq!(year_after(Year::MAX - 2, 2), Some(Year::MAX));
        assert_eq!(year_after(Year::MAX - 2, 3), None);
    }
}
