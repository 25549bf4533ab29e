//! The path analyzer inside the server: the caller's partition read into the data plane's model
//! (the same `Topology` the data plane renders, with or without `--dataplane`), the analyzer run
//! over it, and localvpc's own `/_localvpc/why` endpoint for `localvpc why`.

pub mod http;
pub mod lint;
pub mod render;

use localvpc_analyzer::{Analysis, Endpoint, Network, Ports, Protocol, Query};
use localvpc_dataplane::model::{Snapshot, topology};
use localvpc_model::Ec2Error;
use localvpc_model::network_insights::{Flow, InsightsPath};
use localvpc_store::{Partition, Tx};

/// The network of the caller's partition, as of this transaction, with the partitions of
/// the other sides of its active peering connections (other accounts and regions: all of
/// them live in this localvpc), so that a path can cross a connection.
pub fn network(tx: &mut Tx, account: &str, region: &str) -> Result<Network, Ec2Error> {
    let mut snapshot = Snapshot::default();
    let own = Partition {
        account: account.to_owned(),
        region: region.to_owned(),
    };
    localvpc_dataplane::load::read_partition(tx, &own, &mut snapshot)?;
    let mut read = vec![(own.account, own.region)];
    for pcx in tx
        .peering_connections()?
        .into_iter()
        .filter(|c| c.forwards())
    {
        for side in [&pcx.requester, &pcx.accepter] {
            let peer = Partition {
                account: side.owner_id.clone(),
                region: side.region.clone(),
            };
            let key = (peer.account.clone(), peer.region.clone());
            if read.contains(&key) {
                continue;
            }
            tx.in_partition(&peer.account, &peer.region, |tx| {
                localvpc_dataplane::load::read_partition(tx, &peer, &mut snapshot)
            })?;
            read.push(key);
        }
    }
    Ok(Network::new(&snapshot, &topology(&snapshot)))
}

/// An endpoint ID as the analyzer takes it.
pub fn endpoint(id: &str) -> Endpoint {
    match id.split_once('-').map(|(p, _)| p) {
        Some("i") => Endpoint::Instance(id.to_owned()),
        Some("igw") => Endpoint::InternetGateway(id.to_owned()),
        _ => Endpoint::NetworkInterface(id.to_owned()),
    }
}

/// The query a stored path means; `None` when its filters admit no packet.
pub fn query(path: &InsightsPath) -> Option<Query> {
    let Flow {
        source_address,
        destination_address,
        source_ports,
        destination_ports,
    } = path.flow()?;
    let destination = match (&path.destination, destination_address) {
        (Some(id), _) => endpoint(id),
        (None, Some(a)) => Endpoint::Address(a),
        (None, None) => return None,
    };
    Some(Query {
        source: endpoint(&path.source),
        destination,
        protocol: if path.protocol == "udp" {
            Protocol::Udp
        } else {
            Protocol::Tcp
        },
        source_address,
        destination_address,
        source_ports: Ports {
            from: source_ports.from,
            to: source_ports.to,
        },
        destination_ports: Ports {
            from: destination_ports.from,
            to: destination_ports.to,
        },
        filter_in: Vec::new(),
        filter_out: Vec::new(),
    })
}

/// Runs the analyzer over the caller's partition.
pub fn analyze(
    tx: &mut Tx,
    account: &str,
    region: &str,
    query: &Query,
) -> Result<(Analysis, Network), Ec2Error> {
    let net = network(tx, account, region)?;
    Ok((localvpc_analyzer::analyze(&net, query), net))
}
