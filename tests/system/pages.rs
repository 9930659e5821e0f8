//! A sweep's and a benchmark's pages in headless Chromium against their tables: every number
//! the page shows of the scores is the one `sweep.csv`, `runs.csv`, `bench.csv` and
//! `table.md` hold (the value to the bit, the text as `table.md` prints it), runs grouped by
//! setting with a mean line and a ± sd band per setting; and the charts read well: text of
//! 12 px on the screen, a log scale where values span decades, equilibrium labels off the
//! lines, G_loss in the colour of `losses.png`, smoothing with the raw values kept.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

use crate::common::curvegan;
use crate::report::{attribute, chromium, element, quick_run, rendered, tags};

/// A CSV file of plain fields (no quoted commas in these): header, then rows.
fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = fs::read_to_string(path).unwrap();
    let mut lines = (text.lines()).map(|l| l.split(',').map(String::from).collect::<Vec<_>>());
    (lines.next().unwrap(), lines.collect())
}

/// The rows of `csv` as maps from column to field.
fn records(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = csv(path);
    (rows.into_iter())
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

/// The cells of the table rows of Markdown `text`, separator rows left out.
fn markdown_rows(text: &str) -> Vec<Vec<String>> {
    // The first table: its lines run from the first `|` line to the next line that is not
    // one (a benchmark's table.md has a second table, the trials' core-minutes, below).
    let lines = text.lines().skip_while(|l| !l.starts_with('|'));
    (lines.take_while(|l| l.starts_with('|')))
        .filter(|l| !l.starts_with("|---"))
        .map(|l| {
            let inner = &l.trim()[1..l.trim().len() - 1];
            inner.split('|').map(|c| c.trim().to_string()).collect()
        })
        .collect()
}

/// Text of the DOM as the page shows it (the entities the dump escapes, decoded).
fn unescape(text: &str) -> String {
    (text.replace("&lt;", "<").replace("&gt;", ">"))
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// The text of every `<td>` and `<th>` of the rows of an element's HTML, row by row.
fn cells(html: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for row in html.split("<tr").skip(1) {
        let mut out = Vec::new();
        for part in row.split("</t").collect::<Vec<_>>() {
            if let Some(open) = part.rfind("<td").or_else(|| part.rfind("<th")) {
                let start = open + part[open..].find('>').unwrap() + 1;
                out.push(unescape(&part[start..]));
            }
        }
        rows.push(out);
    }
    rows
}

/// The score cell of `metric` in the row of the run in `folder`: its value and its text.
fn score(dom: &str, folder: &str, metric: &str) -> (f64, String) {
    let row = element(dom, &format!(r#"data-folder="{folder}""#)).expect(folder);
    let cell = element(row, &format!(r#"data-metric="{metric}""#)).expect(metric);
    let tag = &cell[..cell.find('>').unwrap() + 1];
    let value = attribute(tag, "data-value").unwrap().parse().unwrap();
    let text = unescape(&cell[tag.len()..cell.len() - "</td>".len()]);
    (value, text)
}

/// The number in `field` of a table's row (empty: NaN, as the tables write it).
fn number(field: &str) -> f64 {
    match field {
        "" => f64::NAN,
        f => f.parse().unwrap(),
    }
}

/// Equal numbers, NaN equal to NaN (an sd over one run).
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan())
}

/// Runs `command` (a sweep or a benchmark, its words split at spaces) into `root`, quietly;
/// returns its page's DOM in Chromium, checked to show `table.md` cell for cell, and `table.md`.
fn page_of(root: &Path, command: &str) -> (String, String) {
    (curvegan()
        .args(command.split_whitespace())
        .args(["--quiet", "--out"])
        .arg(root))
    .assert()
    .success();
    let dom = rendered(&root.join("report.html"));
    let table_md = fs::read_to_string(root.join("table.md")).unwrap();
    let shown = cells(element(&dom, r#"id="table-md""#).expect("table.md on the page"));
    assert_eq!(shown, markdown_rows(&table_md));
    (dom, table_md)
}

#[test]
fn a_grid_sweeps_page_shows_the_numbers_of_its_tables_by_setting() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("sweep");
    let sweep = "sweep --grid optim_g.lr=1e-4,4e-4 --seeds 0..2 --steps 300 --eval-every 100 \
                 --plot-every 0 --success mse_to_target<=2";
    let (dom, table_md) = page_of(&root, sweep);
    let md_rows = &markdown_rows(&table_md)[1..];
    // Each setting of sweep.csv: its mean and sd of every metric, its success rate, and the
    // text table.md prints for them.
    let settings = records(&root.join("sweep.csv"));
    assert_eq!(settings.len(), 2);
    let metrics: Vec<String> = (settings[0].keys())
        .filter_map(|k| k.strip_suffix("_mean").map(String::from))
        .collect();
    assert!(
        metrics.contains(&"mse_to_target".to_string()),
        "{metrics:?}"
    );
    for (row, md) in settings.iter().zip(md_rows) {
        let folder = format!("setting-{:02}", row["setting"].parse::<usize>().unwrap());
        let group = element(&dom, &format!(r#"data-group="{folder}""#)).expect("a group");
        for m in &metrics {
            let cell = tags(group, &format!(r#"class="mean" data-metric="{m}""#));
            let mean = number(attribute(cell[0], "data-mean").unwrap());
            let sd = number(attribute(cell[0], "data-sd").unwrap());
            assert!(
                same(mean, number(&row[&format!("{m}_mean")])),
                "{folder} {m}"
            );
            assert!(same(sd, number(&row[&format!("{m}_sd")])), "{folder} {m}");
        }
        let mse = element(group, r#"class="mean" data-metric="mse_to_target""#).unwrap();
        assert!(
            mse.contains(&format!(">{}<", md[2])),
            "{mse} against {}",
            md[2]
        );
        let success = tags(group, r#"class="success""#);
        let rate = number(attribute(success[0], "data-value").unwrap());
        assert!(same(rate, number(&row["success_rate"])));
        let success = element(group, r#"class="success""#).unwrap();
        assert!(
            success.contains(&format!(">{}<", md[3])),
            "{success} against {}",
            md[3]
        );
        assert_eq!(md[0], row["setting"], "table.md and sweep.csv in one order");
    }
    // Each run of runs.csv, in its setting's table: every score to the bit.
    for run in records(&root.join("runs.csv")) {
        let folder = format!(
            "setting-{:02}/seed-{}",
            run["setting"].parse::<usize>().unwrap(),
            run["seed"]
        );
        for m in &metrics {
            let (value, text) = score(&dom, &folder, m);
            assert!(same(value, number(&run[m])), "{folder} {m}");
            assert_eq!(text, format!("{:.5}", number(&run[m])));
        }
    }
    // The runs' command: the sweep's, in the page's table and on each run's own page.
    let runs = element(&dom, r#"id="runs""#).unwrap();
    assert_eq!(runs.matches(r#"<td class="command">"#).count(), 4);
    assert!(!runs.contains(r#"<td class="command">—</td>"#), "{runs}");
    assert!(runs.contains("optim_g.lr=1e-4,4e-4"), "{runs}");
    let own = rendered(&root.join("setting-01/seed-0/report.html"));
    let command = element(&own, r#"data-summary="command""#).unwrap();
    assert!(
        command.contains(" sweep --grid optim_g.lr=1e-4,4e-4 "),
        "{command}"
    );
    // The charts: a mean line per setting, each with its band; every run on demand.
    let charts = element(&dom, r#"class="charts""#).unwrap();
    assert!(charts.contains(r#"data-view="groups""#), "{charts}");
    let d_loss = &dom
        [dom.find(r#"data-chart="d-loss""#).unwrap()..dom.find(r#"data-chart="g-loss""#).unwrap()];
    let lines = tags(d_loss, r#"class="line""#);
    let bands = tags(d_loss, r#"class="band""#);
    assert_eq!((lines.len(), bands.len()), (2, 2));
    let groups: Vec<&str> = tags(&dom, "class=\"swatch\"");
    for (k, line) in lines.iter().enumerate() {
        let colour = attribute(line, "stroke").unwrap();
        assert_eq!(attribute(bands[k], "fill"), Some(colour));
        assert!(groups[k].contains(colour), "{} {colour}", groups[k]);
    }
    assert!(dom.contains(r#"id="every-run""#));
}

#[test]
fn a_benchmarks_page_shows_the_numbers_of_its_tables() {
    let tmp = TempDir::new().unwrap();
    let root = tmp.path().join("bench");
    let bench = "bench modes --dataset ring8 --trials 2 --steps 100";
    let (dom, _) = page_of(&root, bench);
    for trial in records(&root.join("bench.csv")) {
        let folder = format!("seed-{}", trial["seed"]);
        for m in ["modes_captured", "high_quality_fraction", "reverse_kl"] {
            let (value, text) = score(&dom, &folder, m);
            assert!(same(value, number(&trial[m])), "{folder} {m}");
            if m == "high_quality_fraction" {
                // In percent, as the table's column is.
                assert_eq!(text, format!("{:.2}", 100.0 * number(&trial[m])));
            }
        }
    }
    let header = element(&dom, r#"data-group="""#).unwrap();
    assert!(header.contains("<th>high-quality %</th>"), "{header}");
}

/// Measures the charts of the page it is appended to and writes what it found as JSON into
/// `<body data-probe>`: per chart, its log box and default, the smallest tick label on the
/// screen, its equilibrium labels' boxes against its lines' boxes, its lines' colours and
/// its raw (faint) paths.
const PROBE: &str = r#"<script>
(function () {
  var out = {};
  document.querySelectorAll('.chart[data-chart]').forEach(function (box) {
    var s = box.querySelector('svg.plot-svg');
    var scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
    var sizes = Array.prototype.map.call(s.querySelectorAll('g.axes text'), function (t) {
      return parseFloat(getComputedStyle(t).fontSize) * scale;
    });
    var rect = function (e) { var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
    out[box.getAttribute('data-chart')] = {
      log: box.querySelector('input.log-toggle').checked,
      log_default: box.getAttribute('data-log-default') === 'true',
      smooth: !!(box.querySelector('input.smooth-toggle') || {}).checked,
      least_px: Math.min.apply(null, sizes),
      labels: Array.prototype.map.call(box.querySelectorAll('.ref-label'), rect),
      lines: Array.prototype.map.call(s.querySelectorAll('path.line'), rect),
      colours: Array.prototype.map.call(s.querySelectorAll('path.line'), function (p) {
        return [p.getAttribute('data-series'), getComputedStyle(p).stroke];
      }),
      raw: s.querySelectorAll('path.raw').length,
      raw_opacity: Array.prototype.map.call(s.querySelectorAll('path.raw'), function (p) { return +getComputedStyle(p).opacity; })
    };
  });
  document.body.setAttribute('data-probe', JSON.stringify(out));
})();
</script>
</body>"#;

/// The RGB colours of a PNG's pixels and how many pixels have each.
fn png_colours(path: &Path) -> BTreeMap<(u8, u8, u8), usize> {
    let decoder = png::Decoder::new(fs::File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    let mut counts = BTreeMap::new();
    for p in buf[..info.buffer_size()].chunks_exact(info.color_type.samples()) {
        *counts.entry((p[0], p[1], p[2])).or_insert(0) += 1;
    }
    counts
}

/// `rgb(r, g, b)` as three numbers.
fn rgb(css: &str) -> (u8, u8, u8) {
    let n: Vec<u8> = (css
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(','))
    .map(|x| x.trim().parse().unwrap())
    .collect();
    (n[0], n[1], n[2])
}

#[test]
fn a_runs_charts_read_well() {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("run");
    // 8001 steps: long enough for mse_to_target to fall by more than two decades.
    quick_run(
        &dir,
        &[
            "--plot-every",
            "0",
            "--steps",
            "8001",
            "--eval-every",
            "1000",
        ],
    );
    let page = fs::read_to_string(dir.join("report.html")).unwrap();
    let probed = tmp.path().join("probed.html");
    fs::write(&probed, page.replace("</body>", PROBE)).unwrap();
    // Two charts a row, as a window 1200 px wide shows them.
    let (dom, _) = chromium(
        &probed,
        &["--dump-dom".into(), "--window-size=1200,900".into()],
    );
    let probe = tags(&dom, "data-probe=")
        .first()
        .and_then(|t| attribute(t, "data-probe"))
        .map(unescape)
        .expect("the probe ran");
    let charts: BTreeMap<String, Value> = serde_json::from_str(&probe).unwrap();
    assert_eq!(charts.len(), 3, "{probe}");
    // Log scale by default where the values are positive and span more than two decades, as
    // metrics.csv's columns say; both cases occur.
    let (header, rows) = csv(&dir.join("metrics.csv"));
    let column = |name: &str| -> Vec<f64> {
        let c = header.iter().position(|h| h == name).unwrap();
        rows.iter()
            .filter(|r| !r[c].is_empty())
            .map(|r| number(&r[c]))
            .collect()
    };
    let spans = |values: &[f64]| {
        let lo = values.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        lo > 0.0 && hi / lo > 100.0
    };
    let losses = [column("d_loss"), column("g_loss")].concat();
    let expected = [
        ("losses", spans(&losses)),
        (
            "outputs",
            spans(&[column("d_real"), column("d_fake")].concat()),
        ),
        ("metric-mse_to_target", spans(&column("mse_to_target"))),
    ];
    for (id, log) in expected {
        assert_eq!(charts[id]["log"], log, "{id}: {}", charts[id]);
        assert_eq!(charts[id]["log_default"], log, "{id}");
    }
    assert!(
        expected.iter().any(|e| e.1) && expected.iter().any(|e| !e.1),
        "{expected:?}"
    );
    for (id, c) in &charts {
        // Tick labels of at least 11.5 px on the screen.
        let least = c["least_px"].as_f64().unwrap();
        assert!(least >= 11.5, "{id}: tick labels of {least} px");
        // Equilibrium labels clear of every line.
        for label in c["labels"].as_array().unwrap() {
            let l: Vec<f64> = serde_json::from_value(label.clone()).unwrap();
            for line in c["lines"].as_array().unwrap() {
                let p: Vec<f64> = serde_json::from_value(line.clone()).unwrap();
                let overlap = l[0] < p[2] && p[0] < l[2] && l[1] < p[3] && p[1] < l[3];
                assert!(!overlap, "{id}: label {l:?} over a line {p:?}");
            }
        }
    }
    assert_eq!(charts["losses"]["labels"].as_array().unwrap().len(), 2);
    // Smoothing: on for the losses, the raw values still drawn, faintly; off for a metric.
    assert_eq!(charts["losses"]["smooth"], true);
    assert_eq!(charts["losses"]["raw"], 2);
    for o in charts["losses"]["raw_opacity"].as_array().unwrap() {
        assert!(o.as_f64().unwrap() < 0.5, "{o}");
    }
    assert_eq!(charts["metric-mse_to_target"]["smooth"], false);
    assert_eq!(charts["metric-mse_to_target"]["raw"], 0);
    // G_loss in the colour losses.png draws it with: that colour is in the figure (its line),
    // and D_loss's too.
    let colours: Vec<(String, String)> =
        serde_json::from_value(charts["losses"]["colours"].clone()).unwrap();
    let colours: BTreeMap<String, String> = colours.into_iter().collect();
    let in_png = png_colours(&dir.join("losses.png"));
    for series in ["G_loss", "D_loss"] {
        let c = rgb(&colours[series]);
        let n = in_png.get(&c).copied().unwrap_or(0);
        assert!(
            n > 200,
            "{series} in {c:?}: {n} pixels of losses.png have it"
        );
    }
}
