//! SIGKILL of a rebuild at any moment leaves the previous index openable and intact.

use std::time::Duration;

use folio_engine::Index;

use crate::util::*;

#[test]
fn sigkill_during_rebuild_keeps_the_old_index() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("idx");
    build_ok(&sample_bz2(), &out);
    let old = Index::open(&out).unwrap().manifest().clone();

    let big = tmp.path().join("big.xml");
    let o = run(&["synth", "--pages", "40000", "--out", big.to_str().unwrap(), "--quiet"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let mut interrupted = 0;
    for delay_ms in [5, 30, 80, 150, 250, 400, 700, 1000] {
        let mut child = bin()
            .args(["build", big.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"])
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let was_running = child.try_wait().unwrap().is_none();
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let index = Index::open(&out).expect("the index opens after a SIGKILL");
        index.verify().expect("and every byte of it checks out");
        let now = index.manifest();
        if now.dump.fingerprint == old.dump.fingerprint {
            assert_eq!(now, &old, "the old index, untouched");
            interrupted += usize::from(was_running);
        } else {
            assert_eq!(now.counts.pages, 40_000, "or the complete new one");
            // Put the old one back for the next round.
            build_ok(&sample_bz2(), &out);
        }
    }
    assert!(interrupted >= 2, "at least two kills landed in the middle of a rebuild ({interrupted})");
    // The next build cleans up what the killed builds left and replaces the index.
    build_ok(&big, &out);
    assert_eq!(Index::open(&out).unwrap().manifest().counts.pages, 40_000);
    assert_eq!(entries(tmp.path()), vec!["big.xml".to_string(), "idx".to_string()]);
}
