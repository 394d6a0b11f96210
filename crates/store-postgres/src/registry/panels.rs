//! Panels in PostgreSQL: rosters (`panels`, the record as JSON, checked again when read) and
//! scores (`panel_scores`). Each write is one transaction under the registry's write lock,
//! with its checks (registry-model's [`check_panel_write`] and [`check_scores_write`]) read
//! inside it: an adjustment, which freezes its year's panels, cannot land between the check
//! and the commit.

use postgres::Client;
use postgres::types::ToSql;
use registry_model::error::Result;
use registry_model::panel::Panel;
use registry_model::panel_store::{
    PanelRecord, PanelWrite, ScoreRow, ScoresWrite, check_panel_write, check_scores_write,
};
use registry_model::{RegistryError, Year};

use super::PgRegistry;

impl PgRegistry {
    /// The panels of `year` (the one named `name` when given), ordered by name.
    pub(super) fn read_panels(
        &self,
        client: &mut Client,
        year: Year,
        name: Option<&str>,
    ) -> Result<Vec<Panel>> {
        let rows = client
            .query(
                "SELECT name, record::text FROM panels
                 WHERE year = $1 AND ($2::text IS NULL OR name = $2) ORDER BY name",
                &[&year as &(dyn ToSql + Sync), &name],
            )
            .map_err(self.db("reading panels"))?;
        rows.iter()
            .map(|r| {
                let name: &str = r.get(0);
                let key = || format!("panel {name} ({year})");
                let rec: PanelRecord = serde_json::from_str(r.get::<_, &str>(1))
                    .map_err(|x| self.corrupt(key(), x.to_string()))?;
                rec.into_panel()
                    .map_err(|x| self.corrupt(key(), x.to_string()))
            })
            .collect()
    }

    /// The scores of a panel of `year`, ordered by firm then member.
    pub(super) fn read_scores(
        &self,
        client: &mut Client,
        year: Year,
        panel: &str,
    ) -> Result<Vec<ScoreRow>> {
        let rows = client
            .query(
                "SELECT uscc, member, score::text, note FROM panel_scores
                 WHERE year = $1 AND panel = $2 ORDER BY uscc, member",
                &[&year as &(dyn ToSql + Sync), &panel],
            )
            .map_err(self.db("reading panel scores"))?;
        rows.iter()
            .map(|r| {
                let uscc: &str = r.get(0);
                let member: String = r.get(1);
                let key = || format!("panel score {panel} ({year}) {uscc} {member}");
                Ok(ScoreRow {
                    firm: self.parse_id(uscc, true)?,
                    score: rust_decimal::Decimal::from_str_exact(r.get::<_, &str>(2))
                        .map_err(|x| self.corrupt(key(), x.to_string()))?,
                    note: r.get(3),
                    member,
                })
            })
            .collect()
    }

    /// Writes a roster (inside [`PgRegistry::write_tx`]).
    pub(super) fn put_panel_in_tx(&self, year: Year, panel: &Panel) -> Result<PanelWrite> {
        let mut conn = self.lock()?;
        let client = &mut conn.client;
        let adjusted = self.adjusted_set(client)?;
        let stored = self.read_panels(client, year, Some(panel.name()))?;
        let count: i64 = client
            .query_one("SELECT COUNT(*) FROM panels WHERE year = $1", &[&year])
            .map_err(self.db("counting panels"))?
            .get(0);
        let scored: bool = client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM panel_scores WHERE year = $1 AND panel = $2)",
                &[&year as &(dyn ToSql + Sync), &panel.name()],
            )
            .map_err(self.db("reading panel scores"))?
            .get(0);
        let w = check_panel_write(
            year,
            panel,
            stored.first(),
            usize::try_from(count).unwrap_or(0),
            scored,
            &adjusted,
        )?;
        if w != PanelWrite::Unchanged {
            let record = serde_json::to_string(&PanelRecord::of(panel))
                .map_err(|x| self.corrupt(panel.name(), x.to_string()))?;
            client
                .execute(
                    "INSERT INTO panels (year, name, record) VALUES ($1, $2, $3::text::jsonb)
                     ON CONFLICT (year, name) DO UPDATE SET record = excluded.record",
                    &[&year as &(dyn ToSql + Sync), &panel.name(), &record],
                )
                .map_err(self.db("writing a panel"))?;
        }
        Ok(w)
    }

    /// Writes scores, all or nothing (inside [`PgRegistry::write_tx`]).
    pub(super) fn put_scores_in_tx(
        &self,
        year: Year,
        panel: &str,
        scores: &[ScoreRow],
    ) -> Result<ScoresWrite> {
        let mut conn = self.lock()?;
        let client = &mut conn.client;
        let adjusted = self.adjusted_set(client)?;
        let Some(p) = self
            .read_panels(client, year, Some(panel))?
            .into_iter()
            .next()
        else {
            return Err(RegistryError::NotFound {
                what: "panel",
                key: format!("{panel} ({year})"),
            });
        };
        let stored = self.read_scores(client, year, panel)?;
        let (add, unchanged) = check_scores_write(year, &p, &stored, scores, &adjusted)?;
        if !add.is_empty() {
            let firms: Vec<&str> = add.iter().map(|r| r.firm.as_str()).collect();
            let members: Vec<&str> = add.iter().map(|r| r.member.as_str()).collect();
            let values: Vec<String> = add.iter().map(|r| r.score.to_string()).collect();
            let notes: Vec<&str> = add.iter().map(|r| r.note.as_str()).collect();
            client
                .execute(
                    "INSERT INTO panel_scores (year, panel, uscc, member, score, note)
                     SELECT $1, $2, u.uscc, u.member, u.score::numeric, u.note
                     FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[])
                          AS u (uscc, member, score, note)",
                    &[
                        &year as &(dyn ToSql + Sync),
                        &panel,
                        &firms,
                        &members,
                        &values,
                        &notes,
                    ],
                )
                .map_err(self.db("writing panel scores"))?;
        }
        Ok(ScoresWrite {
            added: add.len(),
            unchanged,
        })
    }
}
