{#- Buy-Till-You-Die (BG/NBD, MBG/NBD, Gamma-Gamma) helpers: the clv vars, the fitted parameters that
    `segmentation clv fit` writes, and the closed forms of the predictions. The formulas are those of
    pymc-marketing's BetaGeoModel, ModifiedBetaGeoModel and GammaGammaModel; only the Gauss hypergeometric
    function needs a series (see btyd_series_terms). -#}

{% macro clv_time_unit() -%}
    {%- set value = var('clv_time_unit', 'week') -%}
    {%- if value not in ['day', 'week'] -%}
        {{ customer_segmentation.config_error('clv_time_unit', value, 'day, week') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- Days in one time unit: a week is exactly 7 days, fractions of a unit are kept. -#}
{% macro clv_time_unit_days() -%}
    {{ return(7 if customer_segmentation.clv_time_unit() == 'week' else 1) }}
{%- endmacro %}


{#- The prediction horizon in days: `clv_horizon` units of `clv_time_unit`. -#}
{% macro clv_horizon_days() -%}
    {%- set value = var('clv_horizon', 52) -%}
    {%- if not customer_segmentation.is_whole_number(value) or value < 1 -%}
        {{ customer_segmentation.config_error('clv_horizon', value, 'a whole number of clv_time_unit units >= 1') }}
    {%- endif -%}
    {{ return((value | int) * customer_segmentation.clv_time_unit_days()) }}
{%- endmacro %}


{% macro clv_model() -%}
    {%- set value = var('clv_model', 'mbg_nbd') -%}
    {%- if value not in ['mbg_nbd', 'bg_nbd'] -%}
        {{ customer_segmentation.config_error('clv_model', value, 'mbg_nbd, bg_nbd') }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- The calibration cutoff as a date literal, or none for the default (the newest snapshot that leaves a full
    horizon of holdout). -#}
{% macro clv_calibration_end_literal() -%}
    {%- set value = var('clv_calibration_end', none) -%}
    {%- if value is none or value == '' -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) or not customer_segmentation.is_real_date(text) -%}
        {{ customer_segmentation.config_error('clv_calibration_end', value, "a snapshot's as_of_date written YYYY-MM-DD, or null") }}
    {%- endif -%}
    {{ return("cast('" ~ text ~ "' as date)") }}
{%- endmacro %}


{% macro clv_max_series_terms() -%}
    {{ return(customer_segmentation.whole_number_var('clv_max_series_terms', 20000, 100)) }}
{%- endmacro %}


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
