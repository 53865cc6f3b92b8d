{#- Buy-Till-You-Die (BG/NBD, MBG/NBD, Gamma-Gamma) helpers: the fitted parameters that `segmentation clv fit`
    writes and the closed forms of the predictions (the clv vars: macros/vars/clv_vars.sql). The formulas are
    those of pymc-marketing's BetaGeoModel, ModifiedBetaGeoModel and GammaGammaModel; only the Gauss
    hypergeometric function needs a series (see btyd_series_terms). -#}

{#- The table `segmentation clv fit` writes in the target's schema, or none before the first fit (the
    predictions are then empty and the log says how to fit). -#}
{% macro clv_parameters_relation() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set relation = adapter.get_relation(database=target.database, schema=target.schema, identifier='clv_model_parameters') -%}
    {%- if relation is none -%}
        {{ log("clv: no fitted model in " ~ target.schema ~ ".clv_model_parameters, so the predictions are empty; fit one with `segmentation clv fit --calibration-end YYYY-MM-DD` (needs pip install \".[clv]\") and build again", info=true) }}
    {%- endif -%}
    {{ return(relation) }}
{%- endmacro %}


{#- log((alpha + T) / (alpha + t_x)) * (r + x) + log(a / (b + x - shift)): the log of the odds that a customer
    has dropped out, the same expression pymc-marketing evaluates (shift 1 for BG/NBD, 0 for MBG/NBD). -#}
{% macro btyd_dropout_log_odds(a, b, alpha, r, x, t_x, age, shift) -%}
    (({{ r }} + {{ x }}) * ln(({{ alpha }} + {{ age }}) / ({{ alpha }} + {{ t_x }})) + ln({{ a }} / ({{ b }} + {{ x }} - {{ shift }})))
{%- endmacro %}


{#- 1 / (1 + exp(log_odds)), exactly 0 where exp would overflow (PostgreSQL raises on overflow). -#}
{% macro btyd_inverse_odds(log_odds) -%}
    case
        when {{ log_odds }} > 700 then cast(0 as {{ customer_segmentation.double_type() }})
        else 1 / (1 + exp({{ log_odds }}))
    end
{%- endmacro %}


{#- ln|value|, with exact zeros (a factor of a series that vanishes) as a tiny number so no engine raises. -#}
{% macro safe_log_abs(value) -%}
    ln(greatest(abs({{ value }}), 1e-300))
{%- endmacro %}


{#- exp(value) for a log magnitude; 0 below -700, where PostgreSQL would raise on underflow. -#}
{% macro safe_exp(value) -%}
    case when {{ value }} < -700 then cast(0 as {{ customer_segmentation.double_type() }}) else exp({{ value }}) end
{%- endmacro %}


{#- Terms of 2F1(p, q; c; z) = sum_k (p)_k (q)_k / ((c)_k k!) z^k needed for a relative error below 1e-16:
    past k0 every |ratio of consecutive terms| is at most s = (1 + z) / 2 < 1 (since |p + k| / (k + 1) <=
    1 + |p - 1| / (k + 1) and |q + k| <= c + k for q = a - 1 <= c), so n more terms shrink the tail below
    1e-17 of the term at k0. Whole-number arithmetic in the caller keeps the count the same on every engine. -#}
{% macro btyd_series_terms(p, c, z) -%}
    (
        cast(ceil(greatest(2 * {{ z }} * abs({{ p }} - 1) / (1 - {{ z }}), -1 * {{ c }}, 0)) as integer) + 2
        + cast(ceil(ln(1e-17 * (1 - (1 + {{ z }}) / 2)) / ln((1 + {{ z }}) / 2)) as integer)
    )
{%- endmacro %}
