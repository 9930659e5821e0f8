//! The curve measures (`curvegan::eval::curves`) against independent computations: numpy and
//! scipy for the autocorrelation and the distances to the closest record (the snippet that made
//! the numbers is quoted), and behaviour for the discriminative score, whose classifier is
//! built of parts matched against PyTorch elsewhere (MLP, Adam, cross-entropy).

use curvegan::eval::curves::{
    acf_difference, dcr, discriminative_score, mean_acf, mean_second_difference, roughness_ratio,
};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

// numpy:
//   rng = np.random.default_rng(5)
//   real = np.round(rng.normal(size=(4, 12)), 3).astype(np.float32)   # 2 channels × 6 points
//   fake = np.round(rng.normal(size=(3, 12)), 3).astype(np.float32)
//   hold = np.round(rng.normal(size=(3, 12)), 3).astype(np.float32)   # drawn after both
const REAL: [f32; 48] = [
    -0.802, -1.324, -0.248, 0.42, 1.136, 0.11, -0.553, -0.785, 0.749, 1.635, 0.273, -1.233, //
    -0.958, 1.6, 0.203, -1.732, -0.084, -1.163, -0.629, -0.488, -0.713, 0.553, -0.063,
    -0.589, //
    0.41, 0.83, -1.643, -0.257, -0.981, -0.173, -1.289, 0.021, -0.038, -0.304, -1.048,
    -0.396, //
    -1.091, -1.355, 0.225, -1.109, 1.17, 0.717, -1.998, 0.272, -1.102, 0.033, 0.044, -1.988,
];
const FAKE: [f32; 36] = [
    -0.233, -0.256, 0.962, -1.181, 0.738, -1.099, -0.331, -0.84, 1.449, 0.568, 2.432,
    0.642, //
    0.845, 0.841, -0.607, -0.07, 1.35, -0.397, 0.189, -0.021, 0.609, -0.365, -0.152, 0.242, //
    0.103, -0.865, 0.896, -1.298, -1.201, -1.282, 0.967, -0.361, -0.971, -1.136, 0.421, -1.055,
];
const HOLD: [f32; 36] = [
    -1.272, 0.614, -1.197, -0.322, -0.007, -0.445, -0.054, 1.339, -0.517, -1.259, -1.837,
    -0.205, //
    -0.352, 0.265, -0.464, -0.479, -0.721, -0.52, 0.16, -0.38, 0.1, 1.901, 0.479, -1.576, //
    1.734, 0.348, -0.941, 0.907, 0.018, -0.615, -0.634, -0.993, 0.048, 1.069, -0.325, 0.421,
];

#[test]
fn autocorrelation_matches_numpy() {
    // def acf_row(v, lags): c = v - v.mean(); d = (c*c).sum()
    //     return [(c[:-l]*c[l:]).sum()/d for l in range(1, lags+1)]
    // mean over rows of acf_row(row[c*6:(c+1)*6].astype(np.float64), 2), per channel
    let want = [
        0.022314761330637114,
        -0.08320278164526551,
        -0.10487237866396912,
        -0.3143085316103035,
    ];
    let got = mean_acf(&REAL, 2, 6, 2).unwrap();
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-12, "{got:?} vs {want:?}");
    }
    // np.abs(mean_acf(real) - mean_acf(fake)).mean()
    let diff = acf_difference(&REAL, &FAKE, 2, 6, 2).unwrap();
    assert!((diff - 0.23259628026395918).abs() < 1e-12, "{diff}");
    assert_eq!(acf_difference(&REAL, &REAL, 2, 6, 2).unwrap(), 0.0);
}

#[test]
fn roughness_matches_numpy_and_sees_jitter() {
    // v = x.astype(np.float64).reshape(len(x), 2, 6)
    // np.abs(v[:, :, 2:] - 2*v[:, :, 1:-1] + v[:, :, :-2]).mean()     (real, fake, ratio)
    let r = mean_second_difference(&REAL, 2, 6).unwrap();
    let f = mean_second_difference(&FAKE, 2, 6).unwrap();
    assert!((r - 1.7969062547781505).abs() < 1e-12, "{r}");
    assert!((f - 2.1312083293839046).abs() < 1e-12, "{f}");
    let ratio = roughness_ratio(&REAL, &FAKE, 2, 6).unwrap();
    assert!((ratio - 1.1860431359269923).abs() < 1e-12, "{ratio}");
    // Smooth curves (a sine of 50 points) with jitter of 1 % of their amplitude: the lag-1
    // autocorrelation hardly moves, the roughness is many times the curves'.
    let points = 50;
    let smooth: Vec<f32> = (0..20 * points)
        .map(|i| ((i % points) as f32 / 16.0 + (i / points) as f32).sin())
        .collect();
    let noise = gaussian(20, points, 0.01, 0.0, 20);
    let jittered: Vec<f32> = smooth.iter().zip(&noise).map(|(s, n)| s + n).collect();
    let acf = acf_difference(&smooth, &jittered, 1, points, 1).unwrap();
    let rough = roughness_ratio(&smooth, &jittered, 1, points).unwrap();
    assert!(acf < 0.01 && rough > 3.0, "acf {acf}, roughness {rough}");
    assert_eq!(roughness_ratio(&smooth, &smooth, 1, points).unwrap(), 1.0);
    // Straight lines: no curvature on either side is as smooth; some is infinitely rougher.
    let line: Vec<f32> = (0..10).map(|i| i as f32).collect();
    assert_eq!(roughness_ratio(&line, &line, 1, 5).unwrap(), 1.0);
    assert_eq!(
        roughness_ratio(&line, &jittered[..10], 1, 5).unwrap(),
        f64::INFINITY
    );
    assert!(mean_second_difference(&line, 1, 2).is_err());
}

#[test]
fn distance_to_closest_record_matches_scipy() {
    // mu, sd = train.astype(np.float64).mean(0), train.astype(np.float64).std(0)
    // ds = cdist((syn - mu)/sd, (train - mu)/sd).min(1); dh = the same for hold
    // np.median(ds), np.median(dh), np.median(ds)/np.median(dh)
    let d = dcr(&REAL, &FAKE, &HOLD, 12).unwrap();
    assert!(
        (d.synthetic_median - 4.886210361371105).abs() < 1e-5,
        "{d:?}"
    );
    assert!((d.holdout_median - 4.907382753315708).abs() < 1e-5, "{d:?}");
    assert!((d.ratio - 0.9956856041175314).abs() < 1e-5, "{d:?}");
    // Copies of the training rows are at distance 0.
    let copies = dcr(&REAL, &REAL, &HOLD, 12).unwrap();
    assert_eq!((copies.synthetic_median, copies.ratio), (0.0, 0.0));
}

/// `n` rows of `d` standard normal values times `scale`, plus `shift`.
fn gaussian(n: usize, d: usize, scale: f32, shift: f32, seed: u64) -> Vec<f32> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n * d)
        .map(|_| {
            let z: f32 = StandardNormal.sample(&mut rng);
            z * scale + shift
        })
        .collect()
}

#[test]
fn the_discriminative_score_tells_distributions_apart_and_not_samples_of_one() {
    let d = 8;
    let real = gaussian(400, d, 1.0, 0.0, 1);
    // Another sample of the same distribution: indistinguishable.
    let same = discriminative_score(&real, &gaussian(400, d, 1.0, 0.0, 2), d, 0).unwrap();
    assert!(same.score < 0.05, "{same:?}");
    assert_eq!(same.rows, 400);
    // Shifted by 2 standard deviations in every coordinate: always told apart.
    let far = discriminative_score(&real, &gaussian(400, d, 1.0, 2.0, 3), d, 0).unwrap();
    assert!(far.score > 0.45, "{far:?}");
    // Only the spread differs (half the standard deviation): a linear classifier could not see
    // it, the MLP does.
    let narrow = discriminative_score(&real, &gaussian(400, d, 0.5, 0.0, 4), d, 0).unwrap();
    assert!(narrow.score > 0.3, "{narrow:?}");
    // A pure function of its inputs and seed.
    let again = discriminative_score(&real, &gaussian(400, d, 0.5, 0.0, 4), d, 0).unwrap();
    assert_eq!(narrow, again);
}

#[test]
fn memorised_rows_score_below_chance_and_the_dcr_sees_them() {
    // A "generator" that returns its training rows with a little noise: each fake row has a
    // real twin, and the classifier learns the twins' labels backwards (accuracy below ½).
    let d = 30;
    let real = gaussian(200, d, 1.0, 0.0, 5);
    let noise = gaussian(200, d, 0.01, 0.0, 6);
    let copies: Vec<f32> = real.iter().zip(&noise).map(|(r, n)| r + n).collect();
    let s = discriminative_score(&real, &copies, d, 0).unwrap();
    assert!(s.accuracy < 0.5, "{s:?}");
    let hold = gaussian(50, d, 1.0, 0.0, 7);
    let m = dcr(&real, &copies, &hold, d).unwrap();
    assert!(m.ratio < 0.1, "{m:?}");
    // Every copy is nearer to its training row than almost any held-out row is.
    assert!(m.close_share > 0.95, "{m:?}");
    // New rows of the same distribution: as near as held-out rows.
    let fresh = gaussian(400, d, 1.0, 0.0, 8);
    let f = dcr(&real, &fresh, &hold, d).unwrap();
    assert!(
        f.close_share < 0.12 && (f.ratio - 1.0).abs() < 0.15,
        "{f:?}"
    );
    // New rows at a third of the spread are no copies, yet as near as copies by both numbers.
    let narrow = dcr(&real, &gaussian(400, d, 0.3, 0.0, 9), &hold, d).unwrap();
    assert!(
        narrow.ratio < 0.85 && narrow.close_share > 0.9,
        "{narrow:?}"
    );
}
