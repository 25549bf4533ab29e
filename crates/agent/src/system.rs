//! The narrow interface between the agent and the guest's network stack: read the state, apply
//! one change. [`crate::netlink`] implements it for Linux; [`fake::FakeSystem`] for unit tests.

use crate::state::{Change, OsState};

pub trait System {
    /// Links, and IPv4 addresses, routes (every table) and rules, each marked when it carries
    /// the agent's protocol number.
    fn read(&mut self) -> anyhow::Result<OsState>;

    /// Makes one change; additions carry the agent's protocol number.
    fn apply(&mut self, change: &Change) -> anyhow::Result<()>;
}

#[cfg(test)]
pub mod fake {
    use super::System;
    use crate::state::{Change, Link, OsState, Seen};

    /// An in-memory guest: applies changes to an [`OsState`] the way the kernel would for the
    /// parts the agent touches (additions are marked as the agent's; a duplicate is an error,
    /// as `EEXIST` is).
    #[derive(Default)]
    pub struct FakeSystem {
        pub state: OsState,
        pub applied: Vec<Change>,
    }

    impl FakeSystem {
        pub fn with_links(links: Vec<Link>) -> Self {
            FakeSystem {
                state: OsState {
                    links,
                    ..OsState::default()
                },
                applied: Vec::new(),
            }
        }

        /// Unplugs an interface: the kernel drops its addresses and routes with it.
        pub fn remove_link(&mut self, index: u32) {
            let s = &mut self.state;
            s.links.retain(|l| l.dev.index != index);
            s.addresses.retain(|a| a.item.dev.index != index);
            s.routes.retain(|r| r.item.dev.index != index);
        }
    }

    fn add<T: PartialEq + Clone>(seen: &mut Vec<Seen<T>>, item: &T) -> anyhow::Result<()> {
        anyhow::ensure!(!seen.iter().any(|s| s.item == *item), "File exists");
        seen.push(Seen {
            item: item.clone(),
            ours: true,
        });
        Ok(())
    }

    fn del<T: PartialEq>(seen: &mut Vec<Seen<T>>, item: &T) -> anyhow::Result<()> {
        let at = seen.iter().position(|s| s.ours && s.item == *item);
        seen.remove(at.ok_or_else(|| anyhow::anyhow!("No such process"))?);
        Ok(())
    }

    impl System for FakeSystem {
        fn read(&mut self) -> anyhow::Result<OsState> {
            Ok(self.state.clone())
        }

        fn apply(&mut self, change: &Change) -> anyhow::Result<()> {
            let s = &mut self.state;
            match change {
                Change::LinkUp(dev) => {
                    let link = s.links.iter_mut().find(|l| l.dev == *dev);
                    link.ok_or_else(|| anyhow::anyhow!("No such device"))?.up = true;
                }
                Change::AddAddress(a) => add(&mut s.addresses, a)?,
                Change::DelAddress(a) => del(&mut s.addresses, a)?,
                Change::AddRoute(r) => add(&mut s.routes, r)?,
                Change::DelRoute(r) => del(&mut s.routes, r)?,
                Change::AddRule(r) => add(&mut s.rules, r)?,
                Change::DelRule(r) => del(&mut s.rules, r)?,
            }
            self.applied.push(change.clone());
            Ok(())
        }
    }
}
