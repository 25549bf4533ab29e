use super::*;
use crate::plan::plan;
use crate::plan::tests::{ETH0, ETH1, guest, seed_003};
use crate::system::System;

fn seed_003_files() -> BTreeMap<PathBuf, String> {
    let links = guest(&[ETH0, ETH1]).read().unwrap().links;
    render(&plan(&seed_003(), &links))
}

fn file(files: &BTreeMap<PathBuf, String>, path: &str) -> String {
    let text = files
        .get(Path::new(path))
        .unwrap_or_else(|| panic!("no {path} in {files:#?}"));
    text.strip_prefix(MARKER).expect("marked").to_string()
}

#[test]
fn seed_003_renders_net_utils_files_with_the_same_state() {
    let files = seed_003_files();
    let paths: Vec<_> = files.keys().map(|p| p.display().to_string()).collect();
    assert_eq!(
        paths,
        [
            "70-eth0.network",
            "70-eth1.network",
            "70-eth1.network.d/ec2net_alias.conf",
            "70-eth1.network.d/ec2net_policy_4.conf",
            "70-eth1.network.d/eni.conf",
        ]
    );
    assert_eq!(
        file(&files, "70-eth1.network"),
        "# ENI 02:00:00:00:02:14 (device 1, network card 0)\n[Match]\nMACAddress=02:00:00:00:02:14\n\n\
         [Network]\nAddress=10.0.2.20/24\n\n[Route]\nGateway=10.0.2.1\nMetric=513\n"
    );
    assert_eq!(
        file(&files, "70-eth1.network.d/eni.conf"),
        "[Route]\nDestination=10.0.2.0/24\nScope=link\nTable=10001\n\n[Route]\nGateway=10.0.2.1\nTable=10001\n"
    );
    assert_eq!(
        file(&files, "70-eth1.network.d/ec2net_policy_4.conf"),
        "[RoutingPolicyRule]\nFrom=10.0.2.20/32\nPriority=10001\nTable=10001\n\n\
         [RoutingPolicyRule]\nFrom=10.0.2.21/32\nPriority=10001\nTable=10001\n"
    );
    assert_eq!(
        file(&files, "70-eth1.network.d/ec2net_alias.conf"),
        "[Address]\nAddress=10.0.2.21/32\nAddPrefixRoute=false\n"
    );
    assert!(
        file(&files, "70-eth0.network").ends_with(
            "[Network]\nAddress=10.0.1.10/24\n\n[Route]\nGateway=10.0.1.1\nMetric=512\n"
        )
    );
}

#[test]
fn writing_is_idempotent_removes_only_its_own_stale_files_and_never_overwrites_others() {
    let dir = tempfile::tempdir().unwrap();
    let files = seed_003_files();
    assert_eq!(write(dir.path(), &files).unwrap().len(), 5);
    assert_eq!(write(dir.path(), &files).unwrap(), Vec::<String>::new());

    std::fs::write(
        dir.path().join("70-eth1.network.d/admin.conf"),
        "[Network]\nDNS=10.0.0.2\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("70-eth9.network"), "[Match]\nName=eth9\n").unwrap();
    let detached: BTreeMap<_, _> = files
        .into_iter()
        .filter(|(p, _)| p.starts_with("70-eth0.network"))
        .collect();
    let done = write(dir.path(), &detached).unwrap();
    assert_eq!(done.len(), 4, "{done:?}");
    assert!(dir.path().join("70-eth1.network.d/admin.conf").exists());
    assert!(dir.path().join("70-eth9.network").exists());
    assert!(!dir.path().join("70-eth1.network").exists());

    let mut foreign = detached.clone();
    foreign.insert(
        PathBuf::from("70-eth9.network"),
        format!("{MARKER}[Match]\n"),
    );
    let err = write(dir.path(), &foreign).unwrap_err();
    assert!(
        err.to_string().starts_with("refusing to overwrite "),
        "{err}"
    );
}
