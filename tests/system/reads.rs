//! Reading anything, as a hostile user would set it up: every file a command reads has a
//! bound (a run folder's file linked to `/dev/zero` or replaced by a FIFO is refused or left
//! out at once, never read forever), a FIFO nobody writes to as `--config` or `--data` is an
//! error within seconds while `<(…)` and a FIFO with a writer still work, and `runs` and
//! `report` leave out (and name) a folder they cannot read instead of failing for the tree.
//!
//! Each command runs as its own process with its address space limited to [`MEMORY`] and its
//! time to [`LIMIT`]: a read without bound ends there, as a failure, instead of taking the
//! machine.

use std::ffi::OsString;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use tempfile::TempDir;

use crate::common::curvegan;

/// The longest a command may take here.
const LIMIT: Duration = Duration::from_secs(15);
/// The address space each command gets: far above what these small runs need.
const MEMORY: u64 = 3 << 30;

/// The most memory (resident) a command here may use: a file read whole that it should not
/// have read (a device) shows here, even when the read ends in an error at [`MEMORY`].
const MAX_RSS: u64 = 512 << 20;

/// What a bounded command did.
struct Ran {
    /// Its exit code (`None`: killed, by us after [`LIMIT`] or by a signal).
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
    /// Its peak resident memory, in bytes.
    max_rss: u64,
}

impl Ran {
    fn describe(&self) -> String {
        format!(
            "exit {:?} after {:.1?}, peak memory {} MB\nstdout: {}\nstderr: {}",
            self.code,
            self.took,
            self.max_rss >> 20,
            &self.stdout[..self.stdout.len().min(2000)],
            &self.stderr[..self.stderr.len().min(2000)]
        )
    }
}

/// Runs `curvegan ARGS…` in `dir` with at most [`MEMORY`] of address space, killed after
/// [`LIMIT`]; as the user nobody when `as_nobody` (and this test runs as root).
fn run_bounded(dir: &Path, args: &[OsString], as_nobody: bool) -> Ran {
    let mut cmd = Command::new(cargo_bin("curvegan"));
    cmd.current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let drop_root = as_nobody && unsafe { libc::geteuid() } == 0;
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: MEMORY,
                rlim_max: MEMORY,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if drop_root
                && (libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(65534) != 0
                    || libc::setuid(65534) != 0)
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = Instant::now();
    // Reaped by wait4 below, which also gives its peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = cmd.spawn().unwrap();
    let read = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let out = read(Box::new(child.stdout.take().unwrap()));
    let err = read(Box::new(child.stderr.take().unwrap()));
    // wait4(2), for the child's peak memory beside its status.
    let pid = child.id() as libc::pid_t;
    let (mut status, mut usage) = (0, unsafe { std::mem::zeroed::<libc::rusage>() });
    let mut killed = false;
    loop {
        let flags = if killed { 0 } else { libc::WNOHANG };
        // SAFETY: plain system call on our own child, with valid pointers.
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if r == pid {
            break;
        }
        assert!(r == 0, "wait4: {}", std::io::Error::last_os_error());
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ran {
        code: libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)),
        took: start.elapsed(),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        max_rss: usage.ru_maxrss as u64 * 1024,
    }
}

fn os(args: &[&str]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// Copies the folder `from` into `to`, recursively (symlinks as symlinks).
fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let dst = to.join(entry.file_name());
        match entry.file_type().unwrap().is_dir() {
            true => copy_dir(&entry.path(), &dst),
            false => {
                fs::copy(entry.path(), dst).unwrap();
            }
        }
    }
}

/// 50 rows of 5 values: a small data set.
fn curves_csv() -> String {
    let mut text = String::from("t0,t1,t2,t3,t4\n");
    for i in 0..50 {
        let a = 1.0 + i as f64 / 50.0;
        let row: Vec<String> = (0..5).map(|j| format!("{}", a * j as f64 / 4.0)).collect();
        text += &(row.join(",") + "\n");
    }
    text
}

/// Writes `dir/curves.csv` and trains `dir/run` on it: a finished 30-step run with figures,
/// evaluations, `best/` and checkpoints every 10 steps. Its config names the data file by its
/// absolute path.
fn train_into(dir: &Path) {
    fs::write(dir.join("curves.csv"), curves_csv()).unwrap();
    let every = ["--plot-every", "10", "--eval-every", "10"];
    let out = curvegan()
        .current_dir(dir)
        .args(["train", "--data", "curves.csv", "--steps", "30", "-q"])
        .args(every)
        .args(["--checkpoint-every", "10", "--keep-best", "energy_distance"])
        .args(["--eval-samples", "50", "--out", "run"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    for f in ["best/best.json", "step_00010.png", "data.json", "live.json"] {
        assert!(dir.join("run").join(f).is_file(), "{f}");
    }
}

/// A folder made by [`train_into`] once, copied by the cases that leave the data file alone.
fn template() -> &'static Path {
    static DIR: OnceLock<TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = TempDir::new().unwrap();
        train_into(dir.path());
        dir
    })
    .path()
}

/// What replaces a file in a case.
#[derive(Debug, Clone, Copy)]
enum Plant {
    /// A symlink to `/dev/zero`, which never ends.
    Zero,
    /// A FIFO nobody writes to: opening it for reading blocks, reading it waits forever.
    Fifo,
}

fn plant(path: &Path, how: Plant) {
    let _ = fs::remove_file(path);
    match how {
        Plant::Zero => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
        Plant::Fifo => {
            let made = Command::new("mkfifo").arg(path).status().unwrap();
            assert!(made.success(), "mkfifo {}", path.display());
        }
    }
}

/// Item 13: for each command and each file it reads, that file replaced by a link to
/// `/dev/zero` (and, for many, by a FIFO): the command ends within seconds and within its
/// memory (its peak resident memory below [`MAX_RSS`]), with exit code 0 (it did without the file: `runs` lists the run with `?`,
/// `sample` samples from the weights alone, a file checked with `is_file` counts as missing)
/// or 2 and one error line naming the file. Before, `runs` with such a `metrics.csv` read
/// until the machine ran out of memory, and a FIFO blocked most commands forever.
#[test]
fn a_device_or_fifo_in_place_of_any_file_a_command_reads_is_never_read_forever() {
    let template = template();
    // (command, file replaced, how, the exit code expected)
    let cases: &[(&str, &str, Plant, i32)] = &[
        ("runs .", "metrics.csv", Plant::Zero, 0),
        ("runs .", "metrics.csv", Plant::Fifo, 0),
        ("runs .", "config.toml", Plant::Zero, 0),
        ("runs .", "run.json", Plant::Zero, 0),
        ("runs .", "run.json", Plant::Fifo, 0),
        ("runs .", "best/best.json", Plant::Zero, 0),
        ("runs .", "best/best.json", Plant::Fifo, 0),
        ("runs .", ".lock", Plant::Fifo, 0),
        ("report run --out page.html", "metrics.csv", Plant::Zero, 0),
        ("report run --out page.html", "metrics.csv", Plant::Fifo, 0),
        ("report run --out page.html", "config.toml", Plant::Zero, 0),
        ("report run --out page.html", "run.json", Plant::Zero, 0),
        (
            "report run --out page.html",
            "best/best.json",
            Plant::Zero,
            0,
        ),
        (
            "report run --out page.html",
            "step_00010.png",
            Plant::Zero,
            2,
        ),
        (
            "report run --out page.html",
            "step_00010.png",
            Plant::Fifo,
            2,
        ),
        (
            "sample --run run --n 3",
            "generator.safetensors",
            Plant::Zero,
            2,
        ),
        (
            "sample --run run --n 3",
            "generator.safetensors",
            Plant::Fifo,
            2,
        ),
        ("sample --run run --n 3", "config.toml", Plant::Zero, 2),
        ("sample --run run --n 3", "config.toml", Plant::Fifo, 2),
        ("sample --run run --n 3", "data.json", Plant::Zero, 0),
        ("sample --run run --n 3", "../curves.csv", Plant::Zero, 0),
        ("sample --run run --n 3", "../curves.csv", Plant::Fifo, 0),
        ("eval run -n 50", "generator.safetensors", Plant::Zero, 2),
        ("eval run -n 50", "config.toml", Plant::Zero, 2),
        ("eval run -n 50", "data.json", Plant::Fifo, 0),
        ("eval run -n 50", "../curves.csv", Plant::Zero, 2),
        (
            "resume run --steps 40 -q",
            "checkpoint.safetensors",
            Plant::Zero,
            2,
        ),
        (
            "resume run --steps 40 -q",
            "checkpoint.safetensors",
            Plant::Fifo,
            2,
        ),
        ("resume run --steps 40 -q", "config.toml", Plant::Zero, 0),
        ("resume run --steps 40 -q", "metrics.csv", Plant::Zero, 2),
        ("resume run --steps 40 -q", "metrics.csv", Plant::Fifo, 2),
        ("resume run --steps 40 -q", "data.json", Plant::Zero, 0),
        ("resume run --steps 40 -q", "../curves.csv", Plant::Zero, 2),
        ("resume run --steps 40 -q", "../curves.csv", Plant::Fifo, 2),
        ("resume run --steps 40 -q", "best/best.json", Plant::Zero, 0),
        ("resume run --steps 40 -q", "step_00010.png", Plant::Zero, 2),
        ("watch run", "live.json", Plant::Zero, 2),
        ("watch run", "config.toml", Plant::Zero, 2),
        ("watch run", "run.json", Plant::Fifo, 0),
    ];
    let mut failures = Vec::new();
    for (i, &(command, file, how, want)) in cases.iter().enumerate() {
        let case = TempDir::new().unwrap();
        // The config names the data file by its absolute path: a case that replaces it trains
        // a run of its own.
        match file.starts_with("../") {
            true => train_into(case.path()),
            false => copy_dir(template, case.path()),
        }
        let planted = case.path().join("run").join(file);
        plant(&planted, how);
        let args: Vec<&str> = command.split(' ').collect();
        let ran = run_bounded(case.path(), &os(&args), false);
        let name = Path::new(file).file_name().unwrap().to_string_lossy();
        let first = ran.stderr.lines().next().unwrap_or_default();
        let ok = ran.code == Some(want)
            && ran.took < LIMIT
            && ran.max_rss < MAX_RSS
            && !ran.stderr.contains("panicked")
            && (want == 0 || (first.starts_with("error:") && first.contains(&*name)));
        let line = format!("{i}: {command} with {file} as {how:?}: {}", ran.describe());
        eprintln!("{}", line.lines().take(3).collect::<Vec<_>>().join(" | "));
        if !ok {
            failures.push(line);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// Item 13: a FIFO without a writer as `--config` or `--data` is an error naming it within a
/// few seconds (before: the process blocked in `open` forever), and nothing is left behind;
/// `--config <(…)`, `--data <(…)` and a FIFO whose writer comes a moment later still work, and
/// the data file's length and CRC-32 in `data.json` are those of the bytes the pipe gave.
#[test]
fn a_fifo_without_a_writer_is_refused_within_seconds_and_pipes_with_one_work() {
    let tmp = TempDir::new().unwrap();
    let t = tmp.path();
    Command::new("mkfifo")
        .arg(t.join("fifo"))
        .status()
        .unwrap()
        .success()
        .then_some(())
        .expect("mkfifo");
    for option in ["--config", "--data"] {
        let ran = run_bounded(
            t,
            &os(&["train", option, "fifo", "--steps", "3", "--out", "out"]),
            false,
        );
        assert_eq!(ran.code, Some(2), "{option}: {}", ran.describe());
        assert!(ran.took < Duration::from_secs(15), "{}", ran.describe());
        let first = ran.stderr.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("error:")
                && first.contains("fifo")
                && first.contains("nothing to read"),
            "{option}: {}",
            ran.describe()
        );
        assert!(!t.join("out").exists() && !t.join("runs").exists());
    }

    // Process substitution: pipes with a writer.
    fs::write(t.join("c.toml"), "steps = 3\nplot_every = 0\n").unwrap();
    let csv = curves_csv();
    fs::write(t.join("d.csv"), &csv).unwrap();
    let script = format!(
        "exec '{}' train --config <(cat c.toml) --data <(cat d.csv) -q --out piped",
        cargo_bin("curvegan").display()
    );
    let out = Command::new("bash")
        .current_dir(t)
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let record: serde_json::Value =
        serde_json::from_slice(&fs::read(t.join("piped/data.json")).unwrap()).unwrap();
    assert_eq!(record["bytes"], csv.len() as u64);
    assert_eq!(
        record["crc32"],
        format!("{:08x}", crc32(csv.as_bytes())),
        "{record}"
    );
    let metrics = fs::read_to_string(t.join("piped/metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 4, "{metrics}");

    // A named FIFO whose writer comes a moment later.
    let writer = std::thread::spawn({
        let fifo = t.join("fifo");
        move || {
            std::thread::sleep(Duration::from_millis(500));
            fs::write(fifo, "steps = 2\nplot_every = 0\n").unwrap();
        }
    });
    let ran = run_bounded(
        t,
        &os(&["train", "--config", "fifo", "-q", "--out", "named"]),
        false,
    );
    writer.join().unwrap();
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let metrics = fs::read_to_string(t.join("named/metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 3, "{metrics}");
}

/// CRC-32 (IEEE), bit by bit: the test's own, to check `data.json`.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// Makes `path` and the folders above it up to `top` readable by everyone (the process runs
/// as nobody), `top` included.
fn open_to_all(top: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fn walk(p: &Path) {
        let mode = match p.is_dir() {
            true => 0o755,
            false => 0o644,
        };
        fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
        if p.is_dir() {
            for e in fs::read_dir(p).unwrap() {
                walk(&e.unwrap().path());
            }
        }
    }
    walk(top);
}

/// Item 14: below the listed folder, one folder that cannot be read (no permission; the
/// command runs as nobody when the test runs as root), one run whose `config.toml` cannot be
/// read and one whose folder's name is not UTF-8: `runs` (and `runs --json`) lists the others
/// and names the folder left out on stderr, exit 0; `report` writes the page of the others,
/// naming the two left out on the page and on stderr. Before, both commands failed for the
/// whole tree, naming the top folder, and `runs --json` failed on the name.
#[test]
fn runs_and_report_leave_out_a_folder_they_cannot_read_and_name_it() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("sweep");
    for seed in ["seed-0", "seed-1", "locked/seed-2", "seed-3"] {
        let out = curvegan()
            .args(["train", "--steps", "5", "--plot-every", "0", "-q", "--out"])
            .arg(root.join(seed))
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
    }
    // A run whose folder's name is not UTF-8: listed (its name shown with `�`), in JSON too.
    let latin1 = root.join(std::ffi::OsStr::from_bytes(b"seed-\xe9"));
    fs::rename(root.join("seed-1"), &latin1).unwrap();
    let pages = tmp.path().join("pages");
    fs::create_dir(&pages).unwrap();
    open_to_all(tmp.path());
    fs::set_permissions(&pages, fs::Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(root.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(
        root.join("seed-3/config.toml"),
        fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let arg = |p: &Path| p.as_os_str().to_os_string();

    let ran = run_bounded(tmp.path(), &[arg(Path::new("runs")), arg(&root)], true);
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let names: Vec<&str> = (ran.stdout.lines().skip(1))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["seed-0", "seed-3", "seed-\u{fffd}"],
        "{}",
        ran.describe()
    );
    assert!(
        ran.stderr
            .contains(&format!("left out {}", root.join("locked").display()))
            && ran.stderr.contains("ermission denied"),
        "{}",
        ran.describe()
    );

    let ran = run_bounded(
        tmp.path(),
        &[arg(Path::new("runs")), arg(&root), "--json".into()],
        true,
    );
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let rows: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let folders: Vec<&str> = (rows.as_array().unwrap().iter())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(folders, ["seed-0", "seed-3", "seed-\u{fffd}"], "{rows}");

    let page = pages.join("sweep.html");
    let ran = run_bounded(
        tmp.path(),
        &[
            arg(Path::new("report")),
            arg(&root),
            "--out".into(),
            arg(&page),
        ],
        true,
    );
    assert_eq!(ran.code, Some(0), "{}", ran.describe());
    let html = fs::read_to_string(&page).unwrap();
    let start = html.find(r#"id="data">"#).unwrap() + r#"id="data">"#.len();
    let end = start + html[start..].find("</script>").unwrap();
    let data: serde_json::Value = serde_json::from_str(&html[start..end]).unwrap();
    let runs: Vec<&str> = (data["runs"].as_array().unwrap().iter())
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(runs, ["seed-0", "seed-\u{fffd}"]);
    let skipped: Vec<&str> = (data["skipped"].as_array().unwrap().iter())
        .map(|s| s[0].as_str().unwrap())
        .collect();
    let shown = |p: &str| root.join(p).display().to_string();
    assert_eq!(skipped, [shown("locked"), shown("seed-3")], "{data}");
    for s in ["locked", "seed-3"] {
        assert!(
            ran.stderr.contains(&format!("left out {}", shown(s))),
            "{}",
            ran.describe()
        );
    }
    // Put back, so that the temporary folder can be removed.
    fs::set_permissions(root.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
}
