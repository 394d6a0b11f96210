//! The compact forms the matcher's hot path reads: a scenario as a [`ScenarioRow`], an offer
//! as a 32-byte [`OfferRow`]. [`crate::pair`] defines filters and scores on them and
//! [`crate::index`] builds and searches them; this file is below both, so neither imports
//! the other's types through a circle.

/// Entries of a tag-points table: overlaps 0 to [`crate::key::TAGS_PER_RECORD_MAX`].
pub(crate) const TAG_POINTS_LEN: usize = crate::key::TAGS_PER_RECORD_MAX + 1;

/// Where a scenario's firms may come from, as a province test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeRow {
    Anywhere,
    Province(u8),
    /// Bit p set for two-digit province code p.
    Set(u128),
}

impl ScopeRow {
    #[inline]
    pub(crate) fn admits(self, province: u8) -> bool {
        match self {
            ScopeRow::Anywhere => true,
            ScopeRow::Province(p) => p == province,
            ScopeRow::Set(mask) => province < 128 && mask & (1u128 << province) != 0,
        }
    }
}

/// A scenario in the form the filters and scores read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScenarioRow {
    /// Tag ids of the needs, ascending.
    pub needs: Vec<u32>,
    /// Tag ids of the required tags, ascending (a subset of `needs`).
    pub required: Vec<u32>,
    pub kinds_mask: u8,
    pub maturity_min: u8,
    pub scope: ScopeRow,
    pub price_max_fen: Option<i64>,
    /// Lowest firm tier taken ([`tier_code`]); 0 takes any firm.
    pub tier_min: u8,
    /// The tags part by overlap.
    pub tag_points: [u32; TAG_POINTS_LEN],
    pub opens_day: i32,
    pub closes_day: i32,
    pub province: u8,
    pub prefecture: u16,
}

/// An offer in the form the filters and scores read: 32 bytes. The tag index holds a copy
/// in every posting, so the search reads postings in order and never jumps to an offer's
/// own row (random reads of rows were most of the search's time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OfferRow {
    pub price_fen: i64,
    /// First day available (`i32::MIN` when open).
    pub from_day: i32,
    /// Last day available (`i32::MAX` when open).
    pub until_day: i32,
    /// Firm position.
    pub firm: u32,
    /// Offer position.
    pub offer: u32,
    /// First four digits of the division.
    pub prefecture: u16,
    pub kind_bit: u8,
    pub maturity: u8,
    /// Two-digit province code.
    pub province: u8,
    /// The firm's registry tier ([`tier_code`]): 0 when not in the registry, without a
    /// tier, or no directory was consulted.
    pub tier: u8,
}

/// A tier as a byte ordered like tiers, 0 for none: potential 1, growth 2, leading 3.
pub(crate) fn tier_code(t: Option<registry_model::Tier>) -> u8 {
    match t {
        None => 0,
        Some(registry_model::Tier::Potential) => 1,
        Some(registry_model::Tier::Growth) => 2,
        Some(registry_model::Tier::Leading) => 3,
    }
}
