//! `wilcoxon_signed_rank` against SciPy's exact test and a brute-force enumeration of sign
//! patterns (`tests/fixtures/wilcoxon_reference.py` makes `wilcoxon.json`): n = 1..12, zero
//! differences and tied ranks included; and up to n = 60 against exact counts and SciPy
//! (`tests/fixtures/wilcoxon_large.py` makes `wilcoxon_large.json`).

use mts_models::{EXACT_MAX_PAIRS, wilcoxon_signed_rank};
use serde_json::Value;

#[test]
fn matches_scipy_and_brute_force_references() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/wilcoxon.json")).expect("fixture JSON");
    let cases = fixture["cases"].as_array().expect("cases");
    let mut scipy_checked = 0;
    for case in cases {
        let values = |key: &str| -> Vec<f64> {
            case[key]
                .as_array()
                .expect("values")
                .iter()
                .map(|v| v.as_f64().expect("number"))
                .collect()
        };
        let result = wilcoxon_signed_rank(&values("first"), &values("second")).expect("valid");
        assert_eq!(result.n as u64, case["n"].as_u64().unwrap(), "{case}");
        assert_eq!(
            result.zeros as u64,
            case["zeros"].as_u64().unwrap(),
            "{case}"
        );
        assert_eq!(result.w_plus, case["w_plus"].as_f64().unwrap(), "{case}");
        assert_eq!(result.w_minus, case["w_minus"].as_f64().unwrap(), "{case}");
        let brute = case["p_brute_force"].as_f64().unwrap();
        assert!((result.p_value - brute).abs() < 1e-12, "{case}: {result:?}");
        if let Some(scipy) = case["p_scipy_exact"].as_f64() {
            assert!((result.p_value - scipy).abs() < 1e-9, "{case}: {result:?}");
            let min_w = result.w_plus.min(result.w_minus);
            assert_eq!(min_w, case["scipy_statistic_min_w"].as_f64().unwrap());
            scipy_checked += 1;
        }
    }
    assert_eq!(cases.len(), 36);
    assert!(scipy_checked >= 10, "only {scipy_checked} SciPy cases");
}

/// `|actual - expected|` within `relative` of `expected` (and 1e-15 absolute, for tiny p-values).
fn close(actual: f64, expected: f64, relative: f64) -> bool {
    (actual - expected).abs() <= relative * expected.abs() + 1e-15
}

/// Both branches (`tests/fixtures/wilcoxon_large.py` makes `wilcoxon_large.json`). The exact
/// branch for n = 13 to 60 (tie-free data, accuracy-like data with ties and zero differences, and
/// the pairs behind every p-value published in docs/results.md) against an exact-integer count of
/// sign patterns, SciPy's exact distribution (tie-free, including n > 50 where SciPy's default
/// switches to the normal approximation) and SciPy's exhaustive permutation test (ties and zeros,
/// n <= 13); where SciPy's default uses its normal approximation (ties or zeros with n > 13, or
/// n > 50) our exact p-value differs from it, deliberately. The normal approximation above
/// `EXACT_MAX_PAIRS` (1001 to 1208 ranked pairs, with and without ties and zeros) against SciPy's
/// `method="asymptotic", correction=True`.
#[test]
fn exact_up_to_60_pairs_and_normal_above_1000_match_their_references() {
    let fixture: Value =
        serde_json::from_str(include_str!("fixtures/wilcoxon_large.json")).expect("fixture JSON");
    let cases = fixture["cases"].as_array().expect("cases");
    let (mut tie_free_over_50, mut tied_over_13, mut permutation, mut published) = (0, 0, 0, 0);
    let (mut normal, mut normal_with_ties) = (0, 0);
    for case in cases {
        let values = |key: &str| -> Vec<f64> {
            let array = case[key].as_array().expect("values");
            array.iter().map(|v| v.as_f64().expect("number")).collect()
        };
        let label = case["label"].as_str().unwrap();
        let result = wilcoxon_signed_rank(&values("first"), &values("second")).expect("valid");
        let reference = |key: &str| case[key].as_f64();
        assert_eq!(result.n as u64, case["n"].as_u64().unwrap(), "{label}");
        assert_eq!(
            result.zeros as u64,
            case["zeros"].as_u64().unwrap(),
            "{label}"
        );
        assert_eq!(result.w_plus, reference("w_plus").unwrap(), "{label}");
        assert_eq!(result.w_minus, reference("w_minus").unwrap(), "{label}");
        if let Some(exact) = reference("p_exact") {
            assert!(result.n <= EXACT_MAX_PAIRS, "{label}");
            assert!(
                close(result.p_value, exact, 1e-12),
                "{label}: {result:?}, exact {exact}"
            );
        }
        if let Some(scipy) = reference("p_scipy_asymptotic") {
            assert!(result.n > EXACT_MAX_PAIRS, "{label}");
            assert!(
                close(result.p_value, scipy, 1e-9),
                "{label}: {result:?}, SciPy {scipy}"
            );
            normal += 1;
            normal_with_ties += usize::from(case["ties"].as_bool().unwrap() && result.zeros > 0);
        }
        if let Some(scipy) = reference("p_scipy_exact") {
            assert!(
                close(result.p_value, scipy, 1e-9),
                "{label}: {result:?}, SciPy {scipy}"
            );
            tie_free_over_50 += usize::from(result.n > 50);
        }
        if let Some(scipy) = reference("p_scipy_permutation") {
            assert!(
                close(result.p_value, scipy, 1e-9),
                "{label}: {result:?}, SciPy {scipy}"
            );
            permutation += usize::from(case["ties"].as_bool().unwrap() || result.zeros > 0);
        }
        if let Some(report) = reference("p_published") {
            assert!(close(result.p_value, report, 1e-12), "{label}: {result:?}");
            published += 1;
        }
        let tied = case["ties"].as_bool().unwrap() && (14..=EXACT_MAX_PAIRS).contains(&result.n);
        tied_over_13 += usize::from(tied);
    }
    let exact_n = cases.iter().filter(|c| c["p_exact"].is_f64());
    assert_eq!(exact_n.map(|c| c["n"].as_u64().unwrap()).max(), Some(60));
    assert!(
        normal >= 4 && normal_with_ties >= 2,
        "{normal} normal-approximation cases"
    );
    assert!(
        tie_free_over_50 >= 6,
        "{tie_free_over_50} tie-free cases with n > 50"
    );
    assert!(
        tied_over_13 >= 12,
        "{tied_over_13} cases with ties and n > 13"
    );
    assert!(
        permutation >= 6,
        "{permutation} ties/zeros cases checked by permutation"
    );
    assert!(published >= 10, "{published} published p-values");
}
