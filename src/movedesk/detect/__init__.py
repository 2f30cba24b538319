"""movedesk.detect: from bars to "what moved, how much, and how unusual was it".

* :mod:`movedesk.detect.descriptors` — ``describe(bars, listing, session, benchmark, benchmark_symbol, *,
  fx, peer, peer_listing, model, window, min_obs) -> Move`` for one (listing, session), on the
  listing's exchange calendar (gaps and placeholder bars are flagged, never forward-filled).
* :mod:`movedesk.detect.returns` — ``build_panel``, ``simple_returns``, ``abnormal_returns`` (market model
  or market-adjusted for a whole sessions × symbols panel), ``AbnormalReturns.car``, ``p_value``.
* :mod:`movedesk.detect.scan` — ``scan_bars`` / ``scan_panel`` (ranked significant moves + market-day
  verdicts + gaps), ``equal_weight_index`` (the ``^SP500EW`` proxy).
* :mod:`movedesk.detect.universe` — named universes and ``scan_store``.
* :mod:`movedesk.detect.api` — ``companies_frame`` (registry search as a frame).
"""
