//! Profile-guided builds (`build_profiled`): the training run drives an instrumented build, the
//! cached library computes exactly what a plain build computes, a cache hit does not train
//! again, and a failed training run ends the build with its error and caches nothing.

mod common;

use std::cell::Cell;

use common::*;
use spikeforge_rtlsim::{build, build_profiled, BuildOptions, DesignSources, RtlSimError};

fn design() -> DesignSources {
    DesignSources::single("counter", format!("// nonce {}\n{}", nonce(), COUNTER))
}

/// Counts to 300 with `en` high except every fifth cycle; returns (count, wrap) after each cycle.
fn drive(sim: &mut spikeforge_rtlsim::Simulator) -> Vec<(u64, u64)> {
    sim.reset(1);
    (0..300)
        .map(|c| {
            sim.poke_u64("en", (c % 5 != 0) as u64).unwrap();
            sim.step();
            (
                sim.peek_u64("count").unwrap(),
                sim.peek_u64("wrap").unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_profile_guided_build_trains_once_and_computes_what_a_plain_build_computes() {
    let cache = tempfile::tempdir().unwrap();
    let src = design();
    let opts = BuildOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        ..Default::default()
    };
    let trained = Cell::new(0u64);
    let mut guided = build_profiled(&src, &opts, |sim| {
        sim.reset(1);
        sim.poke_u64("en", 1).unwrap();
        sim.run(1000);
        trained.set(sim.peek_u64("count").unwrap());
        Ok(())
    })
    .unwrap();
    // The training run drove the instrumented build (1000 mod 256).
    assert_eq!(trained.get(), 1000 % 256);
    let info = guided.build_info().clone();
    assert!(info.profile_guided && !info.cached);
    assert!(info.profile_s.is_some(), "{info:?}");
    let mut plain = build(&src, &opts).unwrap();
    assert!(!plain.build_info().profile_guided);
    assert_ne!(plain.build_info().key, info.key, "its own cache entry");
    assert_ne!(plain.build_info().library, info.library);
    assert_eq!(drive(&mut guided), drive(&mut plain));
    // GCC compiled the guided library's fast code with the recorded profile.
    let log = |lib: &std::path::Path| {
        std::fs::read_to_string(lib.parent().unwrap().join("compile.log")).unwrap()
    };
    assert!(log(&info.library).contains("-fprofile-use="));
    assert!(!log(&plain.build_info().library).contains("-fprofile"));

    // A hit: loaded from the cache, not trained again.
    let again = build_profiled(&src, &opts, |_| panic!("a cache hit must not train")).unwrap();
    assert!(again.cached() && again.build_info().profile_guided);
    assert_eq!(again.build_info().profile_s, None);
    assert_eq!(again.build_info().library, info.library);
    // Nothing of the two builds is left in the cache's temporary folder.
    let tmp = cache.path().join("rtlsim-v2").join("tmp");
    let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_failed_training_run_ends_the_build_with_its_error_and_caches_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let src = design();
    let opts = BuildOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        opt_level: 0,
        ..Default::default()
    };
    let err = build_profiled(&src, &opts, |_| {
        Err(RtlSimError::Invalid(
            "the training stimulus is missing".into(),
        ))
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("the training stimulus is missing"),
        "{err}"
    );
    // The next build trains (nothing was cached) and succeeds.
    let trained = Cell::new(false);
    let sim = build_profiled(&src, &opts, |sim| {
        sim.run(10);
        trained.set(true);
        Ok(())
    })
    .unwrap();
    assert!(trained.get() && !sim.cached());
}
