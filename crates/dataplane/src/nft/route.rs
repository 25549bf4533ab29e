//! `lvpc_route`: marks every packet arriving on a router port with [`PORT_MARK`], which the
//! ports' policy rules require (see there why a reverse-path lookup must not match them).

use super::Table;
use crate::model::PREFIX;
use crate::model::routing::{PORT_MARK, UPLINK};

pub fn table() -> Table {
    Table {
        name: "lvpc_route".into(),
        body: format!(
            "\tchain prerouting {{\n\
             \t\ttype filter hook prerouting priority mangle; policy accept;\n\
             \t\tiifname \"{PREFIX}*\" iifname != \"{UPLINK}\" meta mark set meta mark | {PORT_MARK:#x}\n\
             \t}}\n"
        ),
    }
}
