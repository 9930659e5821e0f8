//! The moving average of G's weights (`g_ema`) against PyTorch (`fixtures/ema`: `lerp_`
//! updates), and inside the trainer: after every step the average is the lerp of the previous
//! average towards G's new weights, it is what samples and what `generator.safetensors` holds.

use crate::common::*;
use curvegan::nn::ema;
use curvegan::run::train::trainer::Trainer;
use curvegan::TrainConfig;
use rand::SeedableRng;

#[test]
fn ema_updates_match_torch_lerp() {
    let dir = fixtures().join("ema");
    let t = tensors(&dir.join("ema.safetensors"));
    let meta = json(&dir.join("cases.json"));
    let avg0 = &tensor(&t, "avg0").data;
    let thetas = &tensor(&t, "thetas").data;
    let n = avg0.len();
    let decays = meta["decays"].as_array().unwrap();
    assert_eq!(decays.len(), 4);
    for decay in decays {
        let decay = decay.as_f64().unwrap();
        // Python prints 0.0 as "0.0" and 0.999 as "0.999": the fixture's key.
        let key = format!("avg_decay{decay:?}");
        let want = &tensor(&t, &key).data;
        let mut avg = avg0.clone();
        for step in 0..4 {
            ema::update(
                &mut avg,
                &thetas[step * n..(step + 1) * n],
                ema::lerp_weight(decay),
            );
            assert_close_rel(
                &format!("{key} after update {}", step + 1),
                &avg,
                &want[step * n..(step + 1) * n],
                1e-6,
            );
        }
    }
}

#[test]
fn the_trainer_averages_g_after_every_step_and_samples_from_the_average() {
    let config = TrainConfig {
        g_ema: 0.9,
        ..small(6)
    };
    let mut trainer = Trainer::new(&config).unwrap();
    let mut plain = Trainer::new(&TrainConfig {
        g_ema: 0.0,
        ..config.clone()
    })
    .unwrap();
    let mut avg = trainer.gan().generator.params().to_vec();
    assert_eq!(trainer.sampling_generator().params(), &avg[..]);
    for _ in 0..6 {
        let (a, b) = (trainer.step().unwrap(), plain.step().unwrap());
        // The average never feeds back into training.
        assert_eq!(a, b);
        assert_eq!(trainer.gan(), plain.gan());
        ema::update(
            &mut avg,
            trainer.gan().generator.params(),
            ema::lerp_weight(0.9),
        );
        assert_eq!(trainer.sampling_generator().params(), &avg[..]);
    }
    assert_ne!(trainer.gan().generator.params(), &avg[..]);
    // Samples come from the average, not from G.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let from_avg = trainer.generate(5, &mut rng.clone()).unwrap();
    let from_g = plain.generate(5, &mut rng).unwrap();
    assert_ne!(from_avg, from_g);
}
