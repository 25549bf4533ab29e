//! Reachability Analyzer paths and analyses. Their bodies are the wire form as JSON, written
//! once: an analysis is a snapshot of the network at its start.

use crate::Tx;
use localvpc_model::{Ec2Error, Tag};

#[derive(Debug, Clone, PartialEq)]
pub struct StoredPath {
    pub id: String,
    pub created: String,
    /// The path's members as JSON.
    pub body: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredAnalysis {
    pub id: String,
    pub path_id: String,
    pub start_date: String,
    /// Unix milliseconds from which the outcome shows.
    pub ready_at: i64,
    /// The analysis's members as JSON.
    pub body: String,
    /// `localvpc why`'s trace as JSON.
    pub trace: String,
    pub tags: Vec<Tag>,
}

impl Tx<'_> {
    pub fn insert_network_insights_path(&self, p: &StoredPath) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO network_insights_paths (id, pid, created, body) VALUES (?1, ?2, ?3, ?4)",
            &[&p.id, &self.pid, &p.created, &p.body],
        )?;
        self.set_tags(&p.id, &p.tags)
    }

    /// Every path of the partition, oldest first, with tags.
    pub fn network_insights_paths(&self) -> Result<Vec<StoredPath>, Ec2Error> {
        let mut paths = self.rows(
            "SELECT id, created, body FROM network_insights_paths WHERE pid = ?1 ORDER BY created, id",
            &[&self.pid],
            |r| {
                Ok(StoredPath {
                    id: r.get(0)?,
                    created: r.get(1)?,
                    body: r.get(2)?,
                    tags: Vec::new(),
                })
            },
        )?;
        let mut tags = self.tags_by_resource(localvpc_model::IdKind::NetworkInsightsPath)?;
        for p in &mut paths {
            p.tags = tags.remove(&p.id).unwrap_or_default();
        }
        Ok(paths)
    }

    pub fn network_insights_path(&self, id: &str) -> Result<Option<StoredPath>, Ec2Error> {
        Ok(self
            .network_insights_paths()?
            .into_iter()
            .find(|p| p.id == id))
    }

    /// Deletes a path and its tags (the caller has checked it has no analyses).
    pub fn delete_network_insights_path(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM network_insights_paths WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }

    pub fn insert_network_insights_analysis(&self, a: &StoredAnalysis) -> Result<(), Ec2Error> {
        self.exec(
            "INSERT INTO network_insights_analyses (id, pid, path_id, start_date, ready_at, body, trace)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                &a.id,
                &self.pid,
                &a.path_id,
                &a.start_date,
                &a.ready_at,
                &a.body,
                &a.trace,
            ],
        )?;
        self.set_tags(&a.id, &a.tags)
    }

    /// Every analysis of the partition, oldest first, with tags.
    pub fn network_insights_analyses(&self) -> Result<Vec<StoredAnalysis>, Ec2Error> {
        let mut all = self.rows(
            "SELECT id, path_id, start_date, ready_at, body, trace FROM network_insights_analyses
             WHERE pid = ?1 ORDER BY start_date, id",
            &[&self.pid],
            |r| {
                Ok(StoredAnalysis {
                    id: r.get(0)?,
                    path_id: r.get(1)?,
                    start_date: r.get(2)?,
                    ready_at: r.get(3)?,
                    body: r.get(4)?,
                    trace: r.get(5)?,
                    tags: Vec::new(),
                })
            },
        )?;
        let mut tags = self.tags_by_resource(localvpc_model::IdKind::NetworkInsightsAnalysis)?;
        for a in &mut all {
            a.tags = tags.remove(&a.id).unwrap_or_default();
        }
        Ok(all)
    }

    /// The first analysis of a path, if any (what blocks deleting it).
    pub fn first_analysis_of_path(&self, path_id: &str) -> Result<Option<String>, Ec2Error> {
        self.row(
            "SELECT id FROM network_insights_analyses WHERE path_id = ?1 AND pid = ?2 ORDER BY id LIMIT 1",
            &[&path_id, &self.pid],
            |r| r.get(0),
        )
    }

    pub fn delete_network_insights_analysis(&self, id: &str) -> Result<(), Ec2Error> {
        self.exec(
            "DELETE FROM network_insights_analyses WHERE id = ?1 AND pid = ?2",
            &[&id, &self.pid],
        )?;
        self.delete_tags_of(id)
    }
}
