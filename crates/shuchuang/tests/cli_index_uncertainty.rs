//! `shuchuang index uncertainty`: the rank distribution of each unit beside the bands, the
//! same bytes on one thread and two, run as a built binary.

use assert_cmd::Command;
use tempfile::TempDir;

fn shuchuang(data: &TempDir) -> Command {
    let mut c = Command::cargo_bin("shuchuang").unwrap();
    c.env("LC_ALL", "C");
    c.env("SHUCHUANG_DATA_DIR", data.path().join("state"));
    c
}

fn stdout_of(c: &mut Command) -> String {
    let out = c.assert().success().get_output().stdout.clone();
    String::from_utf8(out).unwrap()
}

#[test]
fn ranks_beside_the_bands_match_compute_and_do_not_depend_on_threads() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("p");
    shuchuang(&tmp)
        .args([
            "index", "synth", "--units", "5", "--years", "4", "--seed", "3", "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    let run = |threads: &str, format: &str| {
        stdout_of(
            shuchuang(&tmp)
                .env("RAYON_NUM_THREADS", threads)
                .args(["index", "uncertainty"])
                .arg(&dir)
                .args(["--samples", "400", "--seed", "5", "--format", format]),
        )
    };
    let csv = run("1", "csv");
    assert_eq!(csv, run("2", "csv"), "one thread or two: the same bytes");
    assert_eq!(run("1", "json"), run("2", "json"));
    // The nominal ranks of the root, as `index compute --ranks` gives them.
    let ranks = stdout_of(
        shuchuang(&tmp)
            .args(["index", "compute"])
            .arg(&dir)
            .args(["--ranks", "--format", "csv"]),
    );
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("node,unit,year,nominal,p5,p50,p95,rank,rank_p5,rank_p50,rank_p95")
    );
    let (mut root_rows, mut spread) = (0, 0);
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if f[0] != "fusion" {
            assert_eq!(&f[7..], ["", "", "", ""], "{line}");
            continue;
        }
        root_rows += 1;
        let want = format!("{},{},{},", f[0], f[1], f[2]);
        let nominal = ranks
            .lines()
            .find(|l| l.starts_with(&want))
            .and_then(|l| l.split(',').nth(4))
            .unwrap();
        assert_eq!(f[7], nominal, "{line}");
        let p: Vec<f64> = f[8..].iter().map(|x| x.parse().unwrap()).collect();
        assert!(
            1.0 <= p[0] && p[0] <= p[1] && p[1] <= p[2] && p[2] <= 5.0,
            "{line}"
        );
        spread += usize::from(p[2] > p[0]);
    }
    assert_eq!(root_rows, 5 * 4);
    assert!(
        spread > 0,
        "some unit's rank moves with the weights:\n{csv}"
    );
    // Tables in Chinese name the rank columns.
    let table = stdout_of(
        shuchuang(&tmp)
            .args(["--lang", "zh", "index", "uncertainty"])
            .arg(&dir)
            .args(["--samples", "50"]),
    );
    assert!(table.contains("排名中位数"), "{table}");
}
