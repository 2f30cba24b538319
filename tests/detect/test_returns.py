"""Abnormal returns: the vectorised panel estimates agree with statsmodels OLS on real tickers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from movedesk.detect.returns import (
    Panel,
    abnormal_returns,
    build_panel,
    p_value,
    simple_returns,
)
from movedesk.detect.scan import equal_weight_returns
from movedesk.errors import DataValidationError

sm = pytest.importorskip("statsmodels.api")

TICKERS = ["AAPL", "MSFT", "GOOG", "JPM", "XOM", "TSLA", "NVDA", "KO", "MS", "AIG"]
DATES = ["2006-10-20", "2008-01-23", "2008-10-13", "2011-08-08", "2020-03-16", "2024-12-06"]


@pytest.fixture(scope="module")
def panel_and_market(us_sample: pd.DataFrame) -> tuple[Panel, np.ndarray, np.ndarray]:
    panel = build_panel(us_sample, ohlv=False)
    r = simple_returns(panel.close)
    return panel, r, equal_weight_returns(r)


@pytest.mark.parametrize("model", ["market-model", "market-adjusted"])
def test_agrees_with_statsmodels(panel_and_market: tuple[Panel, np.ndarray, np.ndarray], model: str) -> None:
    panel, r, m = panel_and_market
    res = abnormal_returns(r, m, model=model)  # type: ignore[arg-type]
    checked = 0
    for day in DATES:
        t = panel.position(pd.Timestamp(day).date())
        for ticker in TICKERS:
            j = panel.column(ticker)
            rows = np.arange(t - 250, t - 10)
            rows = rows[rows >= 0]
            y, x = r[rows, j], m[rows]
            ok = np.isfinite(y) & np.isfinite(x)
            if ok.sum() < res.min_obs or not np.isfinite(r[t, j]):
                assert not np.isfinite(res.ar[t, j])
                continue
            if model == "market-model":
                fit = sm.OLS(y[ok], sm.add_constant(x[ok])).fit()
                alpha, beta = fit.params
                sigma = np.sqrt(fit.scale)
                pred = fit.get_prediction(np.array([[1.0, m[t]]]))
                se_f = np.sqrt(pred.var_pred_mean[0] + fit.scale)
                ar = r[t, j] - pred.predicted_mean[0]
                sar = ar / se_f
                dof = fit.df_resid
                assert res.alpha[t, j] == pytest.approx(alpha, abs=1e-9)
                assert res.beta[t, j] == pytest.approx(beta, abs=1e-9)
            else:
                d = y[ok] - x[ok]
                fit = sm.OLS(d, np.ones((len(d), 1))).fit()  # intercept-only: the mean and its s.d.
                sigma = np.sqrt(fit.scale)
                ar = r[t, j] - m[t]
                sar = ar / sigma
                dof = fit.df_resid
            assert res.sigma[t, j] == pytest.approx(sigma, abs=1e-9)
            assert res.ar[t, j] == pytest.approx(ar, abs=1e-9)
            assert res.sar[t, j] == pytest.approx(sar, abs=1e-9)
            assert res.n[t, j] == ok.sum() and res.dof[t, j] == dof
            checked += 1
    assert checked >= 40


def test_car_matches_a_direct_sum(panel_and_market: tuple[Panel, np.ndarray, np.ndarray]) -> None:
    panel, r, m = panel_and_market
    res = abnormal_returns(r, m)
    car, car_t = res.car((-1, 1))
    t = panel.position(dt.date(2008, 1, 23))
    j = panel.column("AAPL")
    direct = sum(r[t + k, j] - res.alpha[t, j] - res.beta[t, j] * m[t + k] for k in (-1, 0, 1))
    assert car[t, j] == pytest.approx(direct, abs=1e-12)
    assert car_t[t, j] < -5  # a large negative run around the earnings miss
    assert float(p_value(car_t[t, j], res.dof[t, j])) < 1e-6
    with pytest.raises(DataValidationError, match="overlaps"):
        res.car((-20, 0))


def test_thin_history_and_gaps_give_no_number() -> None:
    days = pd.bdate_range("2024-01-01", periods=200)
    rng = np.random.default_rng(7)
    m = rng.normal(0, 0.01, 200)
    r = 0.001 + 1.2 * m + rng.normal(0, 0.01, 200)
    r[150:160] = np.nan  # a suspension: no returns, no fill
    res = abnormal_returns(np.c_[r, r], m, min_obs=120)
    assert np.isnan(res.ar[:130, 0]).all()  # fewer than 120 estimation returns before session 130
    assert np.isfinite(res.ar[130, 0])
    assert np.isfinite(res.ar[199, 0])
    assert np.isnan(res.ar[155, 0])  # no return on a suspended session
    est = np.arange(199 - 250, 199 - 10)
    est = est[(est >= 0)]
    assert res.n[199, 0] == np.isfinite(r[est]).sum()
    assert len(days) == 200


def test_build_panel_never_fills_and_marks_untrusted() -> None:
    bars = pd.DataFrame(
        {
            "symbol": ["A", "A", "A", "B"],
            "session": [dt.date(2024, 12, 2), dt.date(2024, 12, 3), dt.date(2024, 12, 5), dt.date(2024, 12, 4)],
            "close": [10.0, 11.0, 12.0, 5.0],
            "flags": [None, "yf_placeholder_bar;zero_volume_flat", None, None],
        }
    )
    axis = pd.bdate_range("2024-12-02", "2024-12-05")
    panel = build_panel(bars, axis)
    a = panel.close[:, panel.column("A")]
    assert a[0] == 10.0 and np.isnan(a[1]) and np.isnan(a[2]) and a[3] == 12.0
    assert list(panel.state[:, 0]) == [1, 2, 0, 1]
    assert np.isnan(simple_returns(panel.close)[3, 0])  # spans a placeholder and a gap
    with pytest.raises(DataValidationError, match="duplicated"):
        build_panel(pd.concat([bars, bars]), axis)
    with pytest.raises(DataValidationError, match="not sorted"):
        build_panel(bars, axis[::-1])


def test_p_value_is_the_two_sided_student_t_tail() -> None:
    from scipy import stats

    t = np.array([-7.2, -2.0, 0.0, 1.96, 3.5, np.nan])
    dof = np.array([238, 118, 50, 1000, 3, 100])
    expected = 2 * stats.t.sf(np.abs(t), dof)
    np.testing.assert_allclose(p_value(t, dof), expected, rtol=1e-12, equal_nan=True)
    assert np.isnan(p_value(2.0, 0))
