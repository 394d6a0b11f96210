//! Panels in the SQLite store: rosters (`panels`, the record as JSON, checked again when
//! read) and scores (`panel_scores`), each write one `BEGIN IMMEDIATE` transaction with its
//! checks read inside it.

use rusqlite::{Connection, TransactionBehavior, params};

use super::SqliteStore;
use crate::error::{RegistryError, Result};
use crate::panel::Panel;
use crate::panel_store::{
    PanelRecord, PanelWrite, ScoreRow, ScoresWrite, check_panel_write, check_scores_write,
};
use crate::tier::Year;

fn sql_err(path: &str, context: &'static str) -> impl Fn(rusqlite::Error) -> RegistryError {
    let path = path.to_string();
    move |source| RegistryError::Sqlite {
        path: path.clone(),
        context: context.to_string(),
        source,
    }
}

fn corrupt(path: &str, key: String, reason: String) -> RegistryError {
    RegistryError::Corrupt {
        path: path.to_string(),
        key,
        reason,
    }
}

/// The panels of `year` (one of them when `name` is given), ordered by name.
pub(super) fn read_panels(
    conn: &Connection,
    path: &str,
    year: Year,
    name: Option<&str>,
) -> Result<Vec<Panel>> {
    let e = sql_err(path, "reading panels");
    let mut stmt = conn
        .prepare_cached(
            "SELECT name, record FROM panels WHERE year = ?1 AND (?2 IS NULL OR name = ?2)
             ORDER BY name",
        )
        .map_err(&e)?;
    let mut rows = stmt.query(params![year, name]).map_err(&e)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(&e)? {
        let name: String = row.get(0).map_err(&e)?;
        let record: String = row.get(1).map_err(&e)?;
        let key = || format!("panel {name} ({year})");
        let rec: PanelRecord =
            serde_json::from_str(&record).map_err(|x| corrupt(path, key(), x.to_string()))?;
        out.push(
            rec.into_panel()
                .map_err(|x| corrupt(path, key(), x.to_string()))?,
        );
    }
    Ok(out)
}

/// The scores of a panel of `year`, ordered by firm then member.
pub(super) fn read_scores(
    conn: &Connection,
    path: &str,
    year: Year,
    panel: &str,
) -> Result<Vec<ScoreRow>> {
    let e = sql_err(path, "reading panel scores");
    let mut stmt = conn
        .prepare_cached(
            "SELECT uscc, member, score, note FROM panel_scores
             WHERE year = ?1 AND panel = ?2 ORDER BY uscc, member",
        )
        .map_err(&e)?;
    let mut rows = stmt.query(params![year, panel]).map_err(&e)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(&e)? {
        let uscc: String = row.get(0).map_err(&e)?;
        let member: String = row.get(1).map_err(&e)?;
        let score: String = row.get(2).map_err(&e)?;
        let key = || format!("panel score {panel} ({year}) {uscc} {member}");
        out.push(ScoreRow {
            firm: super::rows::parse_id(path, &uscc)?,
            score: rust_decimal::Decimal::from_str_exact(&score)
                .map_err(|x| corrupt(path, key(), x.to_string()))?,
            member,
            note: row.get(3).map_err(&e)?,
        });
    }
    Ok(out)
}

impl SqliteStore {
    pub(super) fn read_panels(&self, year: Year, name: Option<&str>) -> Result<Vec<Panel>> {
        read_panels(&self.conn, &self.path_text(), year, name)
    }

    pub(super) fn write_panel(&mut self, year: Year, panel: &Panel) -> Result<PanelWrite> {
        let path = self.path_text();
        let e = |c| sql_err(&path, c);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e("starting a panel write"))?;
        let adjusted = Self::adjusted_set(&tx).map_err(e("reading adjusted years"))?;
        let stored = read_panels(&tx, &path, year, Some(panel.name()))?;
        let count: i64 = tx
            .query_row("SELECT COUNT(*) FROM panels WHERE year = ?1", [year], |r| {
                r.get(0)
            })
            .map_err(e("counting panels"))?;
        let scored: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM panel_scores WHERE year = ?1 AND panel = ?2)",
                params![year, panel.name()],
                |r| r.get(0),
            )
            .map_err(e("reading panel scores"))?;
        let w = check_panel_write(
            year,
            panel,
            stored.first(),
            count.max(0) as usize,
            scored,
            &adjusted,
        )?;
        if w != PanelWrite::Unchanged {
            let record = serde_json::to_string(&PanelRecord::of(panel))
                .map_err(|x| corrupt(&path, panel.name().to_string(), x.to_string()))?;
            tx.execute(
                "INSERT INTO panels (year, name, record) VALUES (?1, ?2, ?3)
                 ON CONFLICT (year, name) DO UPDATE SET record = excluded.record",
                params![year, panel.name(), record],
            )
            .map_err(e("writing a panel"))?;
        }
        tx.commit().map_err(e("committing a panel"))?;
        Ok(w)
    }

    pub(super) fn write_scores(
        &mut self,
        year: Year,
        panel: &str,
        scores: &[ScoreRow],
    ) -> Result<ScoresWrite> {
        let path = self.path_text();
        let e = |c| sql_err(&path, c);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(e("starting a score import"))?;
        let adjusted = Self::adjusted_set(&tx).map_err(e("reading adjusted years"))?;
        let Some(p) = read_panels(&tx, &path, year, Some(panel))?
            .into_iter()
            .next()
        else {
            return Err(RegistryError::NotFound {
                what: "panel",
                key: format!("{panel} ({year})"),
            });
        };
        let stored = read_scores(&tx, &path, year, panel)?;
        let (add, unchanged) = check_scores_write(year, &p, &stored, scores, &adjusted)?;
        {
            let mut ins = tx
                .prepare_cached(
                    "INSERT INTO panel_scores (year, panel, uscc, member, score, note)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(e("writing panel scores"))?;
            for r in &add {
                ins.execute(params![
                    year,
                    panel,
                    r.firm.as_str(),
                    r.member,
                    r.score.to_string(),
                    r.note
                ])
                .map_err(e("writing panel scores"))?;
            }
        }
        tx.commit().map_err(e("committing panel scores"))?;
        Ok(ScoresWrite {
            added: add.len(),
            unchanged,
        })
    }
}
