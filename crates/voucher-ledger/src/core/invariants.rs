//! The ledger's own audit: [`Ledger::check_invariants`] recomputes every balance from the
//! transfers and checks that debits equal credits and that every limit flag holds.

use std::collections::HashMap;

use crate::error::{LedgerError, Result};

use super::Ledger;
use super::types::Balances;
use super::types::PendingState;

impl Ledger {
    // ---- invariants ------------------------------------------------------------------------

    /// Recomputes every balance from the transfers and checks, in full:
    /// Σ debits = Σ credits (posted and pending), each account's balances equal the sum of its
    /// transfers, each limit flag holds, and the running totals agree. O(accounts + transfers).
    pub fn check_invariants(&self) -> Result<()> {
        let bad = |detail: String| Err(LedgerError::Invariant { detail });
        let mut recomputed: HashMap<u64, Balances> = self
            .accounts
            .iter()
            .map(|a| {
                (
                    a.id,
                    Balances {
                        dp: 0,
                        dpo: 0,
                        cp: 0,
                        cpo: 0,
                    },
                )
            })
            .collect();
        let mut posted: u128 = 0;
        let mut pending: u128 = 0;
        for t in &self.transfers {
            let (Some(d), Some(c)) = (
                recomputed.get(&t.debit_account_id).copied(),
                recomputed.get(&t.credit_account_id).copied(),
            ) else {
                return bad(format!("transfer {} names a missing account", t.id));
            };
            let mut d = d;
            let mut c = c;
            if t.flags.pending {
                if self.pending_state(t.id) == Some(PendingState::Pending) {
                    d.dp += t.amount_fen;
                    c.cp += t.amount_fen;
                    pending += u128::from(t.amount_fen);
                }
            } else if !t.flags.void_pending {
                d.dpo += t.amount_fen;
                c.cpo += t.amount_fen;
                posted += u128::from(t.amount_fen);
            }
            recomputed.insert(t.debit_account_id, d);
            recomputed.insert(t.credit_account_id, c);
        }
        // Transfers never cross ledgers, so each ledger balances on its own too.
        let mut per_ledger: HashMap<u32, (u128, u128)> = HashMap::new();
        for a in &self.accounts {
            let e = per_ledger.entry(a.ledger).or_default();
            e.0 += u128::from(a.debits_posted_fen);
            e.1 += u128::from(a.credits_posted_fen);
        }
        if let Some((l, (d, c))) = per_ledger.iter().find(|(_, (d, c))| d != c) {
            return bad(format!("ledger {l}: Σ debits {d} ≠ Σ credits {c}"));
        }
        let (mut sd, mut sc, mut sdp, mut scp) = (0u128, 0u128, 0u128, 0u128);
        for a in &self.accounts {
            let Some(r) = recomputed.get(&a.id) else {
                return bad(format!("account {} vanished", a.id));
            };
            if (r.dp, r.dpo, r.cp, r.cpo)
                != (
                    a.debits_pending_fen,
                    a.debits_posted_fen,
                    a.credits_pending_fen,
                    a.credits_posted_fen,
                )
            {
                return bad(format!(
                    "account {} ({}) balances differ from the sum of its transfers",
                    a.id, a.name
                ));
            }
            if a.flags.debits_must_not_exceed_credits
                && u128::from(a.debits_posted_fen) + u128::from(a.debits_pending_fen)
                    > u128::from(a.credits_posted_fen)
            {
                return bad(format!(
                    "account {} ({}) debits exceed credits",
                    a.id, a.name
                ));
            }
            if a.flags.credits_must_not_exceed_debits
                && u128::from(a.credits_posted_fen) + u128::from(a.credits_pending_fen)
                    > u128::from(a.debits_posted_fen)
            {
                return bad(format!(
                    "account {} ({}) credits exceed debits",
                    a.id, a.name
                ));
            }
            sd += u128::from(a.debits_posted_fen);
            sc += u128::from(a.credits_posted_fen);
            sdp += u128::from(a.debits_pending_fen);
            scp += u128::from(a.credits_pending_fen);
        }
        if sd != sc || sdp != scp {
            return bad(format!(
                "Σ debits {sd} ≠ Σ credits {sc} (pending {sdp} ≠ {scp})"
            ));
        }
        if sd != posted
            || sd != self.posted_total_fen
            || sdp != pending
            || sdp != self.pending_total_fen
        {
            return bad(format!(
                "running totals disagree: posted {} vs {sd}, pending {} vs {sdp}",
                self.posted_total_fen, self.pending_total_fen
            ));
        }
        Ok(())
    }
}
