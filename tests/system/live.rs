//! The live view as a person sees it: the real binary in an 80×24 `tmux` pane, keys sent
//! with `send-keys`, the screen read with `capture-pane`. tmux is required (these tests fail,
//! never skip, without it). Every wait polls the screen with a timeout.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::common::{curvegan, resume_quietly};

/// Longest wait for something to appear on screen.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A tmux server of its own running one session, 80×24, with a command; killed on drop.
struct Tmux {
    socket: String,
    /// The command's exit code is written here when it ends.
    exit_file: PathBuf,
}

impl Tmux {
    /// Starts `curvegan ARGS…` in `dir`, in an 80×24 pane.
    fn start(dir: &Path, args: &[&str]) -> Tmux {
        Tmux::start_sized(dir, args, 80)
    }

    /// Starts `curvegan ARGS…` in `dir`, in a pane `columns` wide and 24 rows high.
    fn start_sized(dir: &Path, args: &[&str], columns: usize) -> Tmux {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "curvegan-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let exit_file = dir.join(format!("{socket}.exit"));
        let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
        let mut line = quote(env!("CARGO_BIN_EXE_curvegan"));
        for a in args {
            line += &format!(" {}", quote(a));
        }
        // The pane stays open after the command, so its last words can be read.
        let script = format!(
            "cd {}; {line}; echo $? > {}; sleep 600",
            quote(&dir.display().to_string()),
            quote(&exit_file.display().to_string())
        );
        let t = Tmux { socket, exit_file };
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-x",
            &columns.to_string(),
            "-y",
            "24",
            "-s",
            "live",
            &script,
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env_remove("TMUX")
            .output()
            .unwrap_or_else(|e| panic!("tmux is needed (apt-get install tmux): {e}"))
    }

    /// The pane's text, one line per row.
    fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-t", "live"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        assert!(self
            .tmux(&["send-keys", "-t", "live", keys])
            .status
            .success());
    }

    /// Waits until the screen satisfies `ok`; returns it.
    fn wait_for(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        poll(
            || {
                format!(
                    "timed out waiting for {what}; the screen:\n{}",
                    self.screen()
                )
            },
            || Some(self.screen()).filter(|s| ok(s)),
        )
    }

    /// Waits for the command to end; its exit code.
    fn exit_code(&self) -> i32 {
        poll(
            || format!("the command did not end; the screen:\n{}", self.screen()),
            || {
                std::fs::read_to_string(&self.exit_file)
                    .ok()?
                    .trim()
                    .parse()
                    .ok()
            },
        )
    }
}

/// Calls `ready` every 100 ms until it gives a value, failing with `why()` after [`TIMEOUT`].
fn poll<T>(why: impl Fn() -> String, mut ready: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = ready() {
            return value;
        }
        assert!(start.elapsed() < TIMEOUT, "{}", why());
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

/// Fails the test unless tmux runs.
fn require_tmux() {
    let ok = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(ok, "tmux is needed (apt-get install tmux)");
}

/// The step the progress line shows (`step 1234/10001 …`).
fn step_of(screen: &str) -> Option<usize> {
    let line = screen.lines().find(|l| l.starts_with("step "))?;
    line["step ".len()..].split('/').next()?.parse().ok()
}

/// The screen's rows, which must be 24 of at most 80 columns.
fn rows(screen: &str) -> Vec<&str> {
    let rows: Vec<&str> = screen.lines().collect();
    assert!(rows.len() <= 24, "{screen}");
    for r in &rows {
        assert!(r.chars().count() <= 80, "{r}");
    }
    rows
}

#[test]
fn live_view_shows_the_run_pauses_saves_a_figure_and_stops_with_a_checkpoint() {
    require_tmux();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let out = dir.display().to_string();
    let t = Tmux::start(
        tmp.path(),
        &[
            "train",
            "--live",
            "--steps",
            "1000001",
            "--plot-every",
            "200",
            "--eval-every",
            "200",
            "--out",
            &out,
        ],
    );
    let screen = t.wait_for("the dashboard with an evaluation", |s| {
        s.contains("mse_to_target") && step_of(s).is_some_and(|n| n >= 200)
    });
    let r = rows(&screen);
    assert!(r[0].contains(&out) && r[0].contains("RUNNING"), "{screen}");
    for label in [
        "D_loss",
        "G_loss",
        "D(real)",
        "D(fake)",
        "real and generated",
        "steps/s",
        "ETA",
    ] {
        assert!(screen.contains(label), "no {label}:\n{screen}");
    }
    // Nothing is cut at 80×24: the key hints are whole on the last row.
    let last = screen.lines().rfind(|l| !l.trim().is_empty()).unwrap();
    assert!(
        last.contains("q stop (checkpoint)  p pause  s save figure"),
        "{screen}"
    );
    assert!(screen.contains("/1000001"), "{screen}");

    // p pauses: the step stands still (two screens apart), and PAUSED shows.
    t.keys("p");
    let paused = t.wait_for("PAUSED", |s| s.contains("PAUSED"));
    let step = step_of(&paused).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    let later = t.wait_for("PAUSED again", |s| s.contains("PAUSED"));
    assert_eq!(step_of(&later), Some(step), "{later}");
    // p again: training goes on.
    t.keys("p");
    t.wait_for("the step to advance", |s| {
        s.contains("RUNNING") && step_of(s).is_some_and(|n| n > step)
    });

    // s saves the current figure as a PNG into the run folder.
    t.keys("s");
    let saved = t.wait_for("the saved note", |s| s.contains("saved live_step_"));
    let name = saved
        .split("saved ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let png = std::fs::read(dir.join(name)).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let info = decoder.read_info().unwrap().info().clone();
    assert_eq!((info.width, info.height), (800, 600));

    // q stops cleanly: a checkpoint, exit code 130, and the run resumes.
    t.keys("q");
    assert_eq!(t.exit_code(), 130, "{}", t.screen());
    let after = t.screen();
    assert!(after.contains("interrupted after step"), "{after}");
    let stopped: usize = after
        .split("interrupted after step ")
        .nth(1)
        .and_then(|r| r.split(';').next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(dir.join("checkpoint.safetensors").is_file());
    let more = (stopped + 50).to_string();
    resume_quietly(&dir, &["--steps", &more]);
    let rows = std::fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, stopped + 50 + 1);
}

#[test]
fn live_view_stays_on_the_finished_run_until_q_then_prints_the_summary() {
    require_tmux();
    let tmp = TempDir::new().unwrap();
    let out = tmp.path().join("run").display().to_string();
    let t = Tmux::start(
        tmp.path(),
        &[
            "train",
            "--live",
            "--steps",
            "301",
            "--plot-every",
            "100",
            "--out",
            &out,
        ],
    );
    let screen = t.wait_for("the finished state", |s| {
        s.contains("finished — press q to close")
    });
    assert!(screen.contains("step 300/301"), "{screen}");
    assert!(
        screen.contains("metrics at step 300") && screen.contains("mse_to_target"),
        "{screen}"
    );
    assert!(screen.contains("q close  s save figure"), "{screen}");
    // Issue 25, item 11: once the speed of the last seconds would be 0 (before, "0 steps/s"),
    // the run's mean speed.
    std::thread::sleep(Duration::from_secs(4));
    let screen = t.screen();
    assert!(
        screen.contains(" mean ") && !screen.contains(" 0 steps/s"),
        "{screen}"
    );
    t.keys("q");
    assert_eq!(t.exit_code(), 0);
    let summary = t.wait_for("the summary", |s| s.contains("µs per training step"));
    assert!(summary.contains("evaluation at step 300"), "{summary}");
}

#[test]
fn watch_follows_a_run_another_process_writes_and_shows_it_finished() {
    require_tmux();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    // Wide nets and many steps, so the run lasts several seconds.
    let mut run = std::process::Command::new(env!("CARGO_BIN_EXE_curvegan"))
        .args([
            "train",
            "--quiet",
            "--steps",
            "4001",
            "--hidden",
            "512",
            "--plot-every",
            "100",
        ])
        .args(["--eval-every", "500", "--out"])
        .arg(&dir)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !dir.join("live.json").is_file() {
        assert!(start.elapsed() < TIMEOUT, "the run wrote no live.json");
        std::thread::sleep(Duration::from_millis(50));
    }
    let t = Tmux::start(tmp.path(), &["watch", &dir.display().to_string()]);
    let first = t.wait_for("the running run", |s| {
        s.contains("running (watching)") && step_of(s).is_some()
    });
    let step = step_of(&first).unwrap();
    assert!(step < 4000, "the run ended before it was watched: {first}");
    t.wait_for("a later step", |s| step_of(s).is_some_and(|n| n > step));
    assert!(run.wait().unwrap().success());
    let done = t.wait_for("the finished run", |s| s.contains("finished (watching)"));
    assert!(
        done.contains("step 4000/4001") && done.contains("mse_to_target"),
        "{done}"
    );
    assert!(done.contains("q close"), "{done}");
    t.keys("q");
    assert_eq!(t.exit_code(), 0);

    // A finished run, watched afterwards.
    let t = Tmux::start(tmp.path(), &["watch", &dir.display().to_string()]);
    t.wait_for("the finished run", |s| {
        s.contains("finished (watching)") && s.contains("step 4000/4001")
    });
    t.keys("q");
    assert_eq!(t.exit_code(), 0);
}

/// Issue 25, item 11: `watch` of a finished run at 80×24 shows every metric of its last
/// evaluation, several to a row (before: 2 of a family run's 6 in a column cut short), a
/// count as a whole number (`modes_captured 8`, not `8.00000`), and the run's mean speed
/// (before: "0 steps/s").
#[test]
fn watch_of_a_finished_run_shows_every_metric_and_its_mean_speed() {
    require_tmux();
    let tmp = TempDir::new().unwrap();
    for (name, target) in [("family", "family"), ("ring", "ring8")] {
        let dir = tmp.path().join(name);
        curvegan()
            .args(["train", "--quiet", "--target", target, "--steps", "201"])
            .args(["--plot-every", "100", "--eval-every", "100", "--out"])
            .arg(&dir)
            .assert()
            .success();
        let live: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("live.json")).unwrap()).unwrap();
        let names: Vec<&str> = (live["evaluations"]["names"].as_array().unwrap().iter())
            .map(|n| n.as_str().unwrap())
            .collect();
        let t = Tmux::start(tmp.path(), &["watch", &dir.display().to_string()]);
        let screen = t.wait_for("the finished run", |s| {
            s.contains("finished (watching)") && s.contains("step 200/201")
        });
        rows(&screen);
        for metric in &names {
            assert!(screen.contains(metric), "{metric} not shown:\n{screen}");
        }
        let progress = screen.lines().find(|l| l.starts_with("step ")).unwrap();
        assert!(
            progress.contains(" mean ") && !progress.contains(" 0 steps/s"),
            "{screen}"
        );
        if target == "family" {
            assert_eq!(names.len(), 6, "{names:?}");
        } else {
            let at = screen.find("modes_captured").unwrap();
            let value = screen[at + "modes_captured".len()..]
                .split_whitespace()
                .next();
            assert!(
                value.is_some_and(|v| v.parse::<u32>().is_ok()),
                "{value:?}:\n{screen}"
            );
        }
        t.keys("q");
        assert_eq!(t.exit_code(), 0);
    }
}

/// CPU seconds (user and system) the process `pid` has used.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    // The fields after the command's name, which is in parentheses: state is the first,
    // utime and stime the 12th and 13th.
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

/// The pid of the `curvegan` process the pane runs (a child of the pane's shell).
fn curvegan_pid(t: &Tmux) -> u32 {
    let out = t.tmux(&["list-panes", "-t", "live", "-F", "#{pane_pid}"]);
    let shell: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    children.split_whitespace().next().unwrap().parse().unwrap()
}

/// Item 13 and 17: `watch` reads `live.json` again only when its size or modification time
/// changed, even when that read fails (a 60 MB file that is not a snapshot costs one read, not
/// four a second: before, the failed read was retried every 250 ms); the last state stays
/// shown. When the run's folder is moved away, the view says the folder is gone (before, it
/// showed the last state as if nothing had happened).
#[test]
fn watch_reads_a_changed_live_json_once_and_shows_a_folder_gone() {
    require_tmux();
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    curvegan()
        .args([
            "train",
            "--quiet",
            "--steps",
            "201",
            "--plot-every",
            "100",
            "--out",
        ])
        .arg(&dir)
        .assert()
        .success();
    let t = Tmux::start(tmp.path(), &["watch", &dir.display().to_string()]);
    t.wait_for("the finished run", |s| {
        s.contains("finished (watching)") && s.contains("step 200/201")
    });
    let pid = curvegan_pid(&t);

    // A live.json of 60 MB that is not a snapshot (an unterminated string), put in place
    // atomically: read once, refused, and the last state kept.
    let junk = tmp.path().join("junk.json");
    let mut bytes = b"{\"format\": \"".to_vec();
    bytes.resize(60 << 20, b'a');
    std::fs::write(&junk, &bytes).unwrap();
    std::fs::rename(&junk, dir.join("live.json")).unwrap();
    std::thread::sleep(Duration::from_millis(1000));
    let before = cpu_seconds(pid);
    std::thread::sleep(Duration::from_secs(3));
    let used = cpu_seconds(pid) - before;
    assert!(
        used < 0.5,
        "watch used {used} s of CPU in 3 s: it reads live.json again and again"
    );
    let screen = t.screen();
    assert!(
        screen.contains("finished (watching)") && screen.contains("step 200/201"),
        "{screen}"
    );

    // The folder moved away: the view says so, with its last state.
    std::fs::rename(&dir, tmp.path().join("moved")).unwrap();
    let gone = t.wait_for("the folder gone", |s| {
        s.contains("FOLDER GONE") && s.contains("is gone (moved or deleted)")
    });
    assert!(gone.contains("step 200/201"), "{gone}");
    t.keys("q");
    assert_eq!(t.exit_code(), 0);
}

#[test]
fn live_without_a_terminal_trains_as_without_it_and_writes_no_escape_codes() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    let out = curvegan()
        .args([
            "train",
            "--live",
            "--steps",
            "101",
            "--plot-every",
            "50",
            "--out",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("note: --live needs a terminal"), "{stderr}");
    assert_eq!(stderr.matches("note:").count(), 1, "{stderr}");
    assert!(!out.stderr.contains(&0x1b) && !out.stdout.contains(&0x1b));
    assert!(String::from_utf8_lossy(&out.stdout).contains("µs per training step"));
    assert!(dir.join("live.json").is_file() && dir.join("generator.safetensors").is_file());

    // watch without a terminal prints the state once.
    let shown = curvegan().arg("watch").arg(&dir).output().unwrap();
    assert!(shown.status.success());
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("finished") && text.contains("step 100/101"),
        "{text}"
    );
    assert!(
        text.contains("mse_to_target") && text.contains("D_loss"),
        "{text}"
    );
}

#[test]
fn watch_refuses_a_folder_that_is_not_a_run_or_has_no_live_json() {
    let tmp = TempDir::new().unwrap();
    let out = curvegan().arg("watch").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a run folder"), "{stderr}");

    let dir = tmp.path().join("old");
    curvegan()
        .args(["train", "--quiet", "--steps", "2", "--out"])
        .arg(&dir)
        .assert()
        .success();
    std::fs::remove_file(dir.join("live.json")).unwrap();
    let out = curvegan().arg("watch").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("has no live.json") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// Waits until no process holds the run folder `dir` any more (`curvegan runs` no longer says
/// running); its status then.
fn wait_released(dir: &Path) -> String {
    let status = || {
        let out = curvegan()
            .args(["runs", "--json"])
            .arg(dir.parent().unwrap())
            .output()
            .unwrap();
        let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let row = rows
            .as_array()?
            .iter()
            .find(|r| r["folder"].as_str() == Some(&dir.display().to_string()))?;
        Some(row["status"].as_str()?.to_string()).filter(|s| s != "running")
    };
    poll(
        || {
            format!(
                "{} is still held by a process after its terminal closed",
                dir.display()
            )
        },
        status,
    )
}

#[test]
fn a_closed_terminal_stops_the_run_with_a_checkpoint_and_ends_the_process() {
    require_tmux();
    let tmp = TempDir::new().unwrap();
    // Mid-run, as when an SSH link drops: the run checkpoints and stops, the process ends.
    let long = tmp.path().join("long");
    let t = Tmux::start(
        tmp.path(),
        &[
            "train",
            "--live",
            "--steps",
            "10000001",
            "--out",
            &long.display().to_string(),
        ],
    );
    t.wait_for("a step", |s| step_of(s).is_some_and(|n| n > 0));
    drop(t); // the tmux server and its terminal go away
    assert_eq!(wait_released(&long), "stopped");
    assert!(long.join("checkpoint.safetensors").is_file());
    // Finished and waiting for q: the process ends too, the run stays finished.
    let short = tmp.path().join("short");
    let t = Tmux::start(
        tmp.path(),
        &[
            "train",
            "--live",
            "--steps",
            "201",
            "--out",
            &short.display().to_string(),
        ],
    );
    t.wait_for("the finished state", |s| s.contains("press q to close"));
    drop(t);
    assert_eq!(wait_released(&short), "finished");
}

/// Item 5 of issue 25: at 80 and 100 columns the progress bar was wider than the pane and
/// wrapped in the middle of a number, Ctrl-C's error overprinted it, and a finished run named
/// its folder twice. Now the bar's line fits the pane (no row is a wrapped continuation: joined
/// rows, `capture-pane -J`, are no longer than the pane), the error after Ctrl-C starts a line
/// of its own below the bar, and a finished run names its folder once.
#[test]
fn the_progress_bar_fits_the_terminal_and_ctrl_c_writes_below_it() {
    for columns in [80, 100] {
        let tmp = TempDir::new().unwrap();
        let t = Tmux::start_sized(
            tmp.path(),
            &[
                "train",
                "--steps",
                "5000000",
                "--plot-every",
                "0",
                "--out",
                "r",
            ],
            columns,
        );
        let joined = || {
            let out = t.tmux(&["capture-pane", "-p", "-J", "-t", "live"]);
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        t.wait_for("the bar with its losses", |s| s.contains("G_loss"));
        // A second draw, after the first evaluation's metric may have joined the message.
        std::thread::sleep(Duration::from_secs(2));
        let screen = joined();
        let bar = (screen.lines())
            .find(|l| l.contains("G_loss"))
            .unwrap_or_else(|| panic!("{screen}"));
        assert!(
            bar.chars().count() <= columns,
            "{columns} columns, a bar of {}:\n{screen}",
            bar.chars().count()
        );
        t.keys("C-c");
        assert_eq!(t.exit_code(), 130, "{}", t.screen());
        let screen = t.screen();
        let error = (screen.lines())
            .find(|l| l.contains("interrupted"))
            .unwrap_or_else(|| panic!("{screen}"));
        assert!(error.starts_with("error: interrupted"), "{screen}");
        assert!(
            screen.contains("G_loss"),
            "the bar was overprinted:\n{screen}"
        );
        assert!(screen.contains("run folder: r\n"), "{screen}");

        let t = Tmux::start_sized(
            tmp.path(),
            &[
                "train",
                "--steps",
                "300",
                "--plot-every",
                "0",
                "--out",
                "done",
            ],
            columns,
        );
        assert_eq!(t.exit_code(), 0, "{}", t.screen());
        let screen = t.screen();
        assert_eq!(screen.matches("run folder:").count(), 1, "{screen}");
        assert!(screen.contains("300 steps in"), "{screen}");
    }
}
