//! `wilcoxon_signed_rank` against SciPy's exact test and a brute-force enumeration of sign
//! patterns (`tests/fixtures/wilcoxon_reference.py` makes `wilcoxon.json`): n = 1..12, zero
//! differences and tied ranks included.

use mts_models::wilcoxon_signed_rank;
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
