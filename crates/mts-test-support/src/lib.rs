//! Tests that need something a fresh clone does not have: the EMODB corpus, a wgpu adapter.
//!
//! Such a test runs when what it needs is there. Otherwise `cargo test` reports it as
//! `ignored (reason)` in its own output and counts it in the summary line, so a person sees which
//! tests did not run and why; and when the environment variable that requires it is `1`
//! ([`REQUIRE_EMODB`], `MTS_REQUIRE_WGPU`; `.ci/run` sets both), the test fails instead.
//!
//! libtest cannot decide at run time that a test is ignored, so a test target using this crate
//! sets `harness = false` and hands its [`Trial`]s to [`run`] in `main`. libtest-mimic keeps
//! libtest's command line (name filters, `--exact`, `--list`, `--include-ignored`,
//! `--test-threads`) and its output format.

use std::path::{Path, PathBuf};

pub use libtest_mimic::Trial;
use libtest_mimic::{Arguments, Completion};

/// The environment variable holding the EMODB corpus folder.
pub const EMODB_DIR: &str = "MTS_EMODB_DIR";

/// The environment variable that, set to `1`, makes the tests that need the EMODB corpus fail
/// without it instead of being ignored.
pub const REQUIRE_EMODB: &str = "MTS_REQUIRE_EMODB";

/// Whether the environment variable `variable` is set to `1`.
pub fn required(variable: &str) -> bool {
    std::env::var(variable).is_ok_and(|value| value == "1")
}

/// What a test does when what it needs is missing (`why`): a failure naming the variable `require`
/// when it is `1` (`is_required`), else an ignored test with `why` as the reason.
fn missing(
    require: &str,
    is_required: bool,
    why: String,
) -> Result<Completion, libtest_mimic::Failed> {
    if is_required {
        Err(format!("{require}=1 but {why}").into())
    } else {
        Ok(Completion::ignored_with(why))
    }
}

/// A test named `name` that needs what `probe` finds: it runs `test` on the find, or, when the
/// probe says why there is none, is ignored with that reason (a failure when the environment
/// variable `require` is `1`). A panic in `test` fails the test, as in libtest.
pub fn needs<T>(
    name: &str,
    require: &'static str,
    probe: impl FnOnce() -> Result<T, String> + Send + 'static,
    test: impl FnOnce(T) + Send + 'static,
) -> Trial {
    Trial::ignorable_test(name, move || match probe() {
        Ok(found) => {
            test(found);
            Ok(Completion::Completed)
        }
        Err(why) => missing(require, required(require), why),
    })
}

/// The EMODB corpus folder named by [`EMODB_DIR`], or why there is none.
///
/// # Errors
/// The reason, for people, when the variable is unset or does not name a folder.
pub fn emodb_dir() -> Result<PathBuf, String> {
    emodb_dir_in(std::env::var_os(EMODB_DIR))
}

/// [`emodb_dir`] given the variable's value.
fn emodb_dir_in(value: Option<std::ffi::OsString>) -> Result<PathBuf, String> {
    let Some(dir) = value else {
        return Err(format!("no EMODB corpus: set {EMODB_DIR} to its folder"));
    };
    let dir = PathBuf::from(dir);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!("{EMODB_DIR}={} is not a folder", dir.display()))
    }
}

/// A test that needs the EMODB corpus: `test` gets its folder (see [`needs`], [`emodb_dir`]).
pub fn needs_emodb(name: &str, test: fn(&Path)) -> Trial {
    needs(name, REQUIRE_EMODB, emodb_dir, move |dir: PathBuf| {
        test(&dir)
    })
}

/// The [`needs_emodb`] trials of test functions `fn(&Path)`, each named after its function:
/// `run(emodb_tests![first, second])`.
#[macro_export]
macro_rules! emodb_tests {
    ($($test:ident),+ $(,)?) => {
        vec![$($crate::needs_emodb(stringify!($test), $test)),+]
    };
}

/// Runs `trials` with the test binary's command line and exits with libtest's status (101 when
/// a test failed).
pub fn run(trials: Vec<Trial>) -> ! {
    libtest_mimic::run(&Arguments::from_args(), trials).exit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(outcome: Result<Completion, libtest_mimic::Failed>) -> Option<String> {
        match outcome {
            Ok(Completion::Ignored { reason }) => reason,
            Ok(Completion::Completed) => panic!("completed"),
            Err(failure) => panic!("failed: {:?}", failure.message()),
        }
    }

    #[test]
    fn a_missing_need_is_ignored_with_its_reason_unless_required() {
        let outcome = missing(REQUIRE_EMODB, false, "no corpus here".into());
        assert_eq!(reason(outcome).as_deref(), Some("no corpus here"));
        let failure = missing(REQUIRE_EMODB, true, "no corpus here".into())
            .err()
            .expect("a required need that is missing fails");
        assert_eq!(
            failure.message(),
            Some("MTS_REQUIRE_EMODB=1 but no corpus here")
        );
    }

    #[test]
    fn the_emodb_folder_must_be_set_and_a_folder() {
        let unset = emodb_dir_in(None).unwrap_err();
        assert_eq!(unset, "no EMODB corpus: set MTS_EMODB_DIR to its folder");
        let here = std::env::current_dir().unwrap();
        assert_eq!(emodb_dir_in(Some(here.clone().into())), Ok(here.clone()));
        let file = here.join("Cargo.toml");
        let not_a_folder = emodb_dir_in(Some(file.clone().into())).unwrap_err();
        assert_eq!(
            not_a_folder,
            format!("MTS_EMODB_DIR={} is not a folder", file.display())
        );
    }
}
