{#- Predictions per customer per snapshot from the parameters `segmentation clv fit` stored in
    clv_model_parameters, for every snapshot whose as_of_date is on or after the fit's calibration end:
    probability alive, expected purchase days in the next `clv_horizon` units, expected order value and the
    predicted value over the horizon, from the model in var `clv_model` (mbg_nbd by default, or bg_nbd) and
    Gamma-Gamma. The closed forms are pymc-marketing's; the Gauss hypergeometric function of the expected
    purchases is a series summed here (see the series CTEs), so every engine gives the same value. A table,
    not incremental: a refit changes every row. Empty, with a log line saying how to fit, before any fit. -#}
{%- set model_name = customer_segmentation.clv_model() -%}
{%- set shift = 1 if model_name == 'bg_nbd' else 0 -%}
{%- set horizon_days = customer_segmentation.clv_horizon_days() -%}
{%- set max_terms = customer_segmentation.clv_max_series_terms() -%}
{%- set parameters_relation = customer_segmentation.clv_parameters_relation() -%}
{%- set double = customer_segmentation.double_type() -%}
{%- set dropout_log_odds = customer_segmentation.btyd_dropout_log_odds(
    'a', 'b', 'alpha', 'r', 'frequency', 'recency', 'age', shift) %}

with

history as (

    select * from {{ ref('customer_btyd_history') }}

),

parameters as (

    {% if parameters_relation is not none -%}
    -- One fit at a time: the table holds the parameters of the latest `segmentation clv fit`.
    select
        max(case when model = '{{ model_name }}' and parameter = 'a' then value end) as a,
        max(case when model = '{{ model_name }}' and parameter = 'b' then value end) as b,
        max(case when model = '{{ model_name }}' and parameter = 'alpha' then value end) as alpha,
        max(case when model = '{{ model_name }}' and parameter = 'r' then value end) as r,
        max(case when model = 'gamma_gamma' and parameter = 'p' then value end) as gg_p,
        max(case when model = 'gamma_gamma' and parameter = 'q' then value end) as gg_q,
        max(case when model = 'gamma_gamma' and parameter = 'v' then value end) as gg_v,
        max(calibration_end) as calibration_end_date,
        max(case when time_unit = 'week' then 7 else 1 end) as unit_days
    from {{ parameters_relation }}
    {%- else -%}
    select
        cast(null as {{ double }}) as a,
        cast(null as {{ double }}) as b,
        cast(null as {{ double }}) as alpha,
        cast(null as {{ double }}) as r,
        cast(null as {{ double }}) as gg_p,
        cast(null as {{ double }}) as gg_q,
        cast(null as {{ double }}) as gg_v,
        cast(null as date) as calibration_end_date,
        1 as unit_days
    {%- endif %}

),

inputs as (

    -- Times in the fit's unit, computed as the summary computes them (days / days per unit).
    select
        history.customer_id,
        history.snapshot_date,
        history.as_of_date,
        history.frequency,
        cast(history.recency_days as {{ double }}) / parameters.unit_days as recency,
        cast(history.age_days as {{ double }}) / parameters.unit_days as age,
        history.monetary_value,
        cast({{ horizon_days }} as {{ double }}) / parameters.unit_days as horizon,
        parameters.*
    from history
    inner join parameters
        on history.as_of_date >= parameters.calibration_end_date
    where parameters.a is not null

),

alive as (

    select
        *,
        {% if shift == 1 -%}
        -- BG/NBD: a customer without a repeat purchase cannot have dropped out yet.
        case
            when frequency = 0 then cast(1 as {{ double }})
            else {{ customer_segmentation.btyd_inverse_odds(dropout_log_odds) }}
        end as p_alive,
        {%- else -%}
        {{ customer_segmentation.btyd_inverse_odds(dropout_log_odds) }} as p_alive,
        {%- endif %}
        -- The hypergeometric function's argument and its parameters after Euler's transformation,
        -- 2F1(r + x, q + x; c; z) = (1 - z)^(c - r - x - q - x) 2F1(c - r - x, a - 1; c; z), whose numerator
        -- parameters no longer grow with the frequency x, so the terms shrink from the start.
        horizon / (alpha + age + horizon) as series_z,
        a + b + frequency - {{ shift }} as series_c,
        a + b - {{ shift }} - r as series_p,
        a - 1 as series_q
    from inputs

),

series_inputs as (

    select distinct
        frequency,
        age,
        series_z,
        series_c,
        series_p,
        series_q,
        {{ customer_segmentation.btyd_series_terms('series_p', 'series_c', 'series_z') }} as series_terms
    from alive

),

numbers as (

    {{ dbt.generate_series(max_terms) }}

),

series_factors as (

    -- Term k is the product of the ratios of the terms before it: summed as logs of magnitudes, with the
    -- number of negative factors for the sign.
    select
        series_inputs.frequency,
        series_inputs.age,
        numbers.generated_number - 1 as k,
        (
            {{ customer_segmentation.safe_log_abs('series_inputs.series_p + numbers.generated_number - 1') }}
            + {{ customer_segmentation.safe_log_abs('series_inputs.series_q + numbers.generated_number - 1') }}
            - {{ customer_segmentation.safe_log_abs('series_inputs.series_c + numbers.generated_number - 1') }}
            - ln(cast(numbers.generated_number as {{ double }}))
            + ln(series_inputs.series_z)
        ) as log_ratio,
        (
            case when series_inputs.series_p + numbers.generated_number - 1 < 0 then 1 else 0 end
            + case when series_inputs.series_q + numbers.generated_number - 1 < 0 then 1 else 0 end
            + case when series_inputs.series_c + numbers.generated_number - 1 < 0 then 1 else 0 end
        ) as negative_factors
    from series_inputs
    inner join numbers
        on series_inputs.series_terms >= numbers.generated_number

),

series_terms as (

    select
        frequency,
        age,
        coalesce(sum(log_ratio) over terms_before, 0) as log_magnitude,
        coalesce(sum(negative_factors) over terms_before, 0) as negative_factors
    from series_factors
    window terms_before as (
        partition by frequency, age
        order by k
        rows between unbounded preceding and 1 preceding
    )

),

series_sums as (

    select
        frequency,
        age,
        sum(
            case
                when {{ customer_segmentation.floor_divide('negative_factors', 2) }} * 2 = negative_factors then 1
                else -1
            end
            * {{ customer_segmentation.safe_exp('log_magnitude') }}
        ) as hypergeometric
    from series_terms
    group by
        frequency,
        age

),

predicted as (

    select
        alive.customer_id,
        alive.snapshot_date,
        alive.as_of_date,
        alive.calibration_end_date,
        alive.p_alive,
        case
            when series_inputs.series_terms <= {{ max_terms }}
                then alive.series_c / (alive.a - 1)
                    * (
                        1 - exp(
                            (alive.a - 1)
                            * ln((alive.alpha + alive.age) / (alive.alpha + alive.age + alive.horizon))
                        )
                        * series_sums.hypergeometric
                    )
                    * alive.p_alive
        end as expected_purchases,
        -- Gamma-Gamma: the customer's mean spend shrunk towards the population mean by their repeat days.
        (
            (1 - alive.gg_p * alive.frequency / (alive.gg_p * alive.frequency + alive.gg_q - 1))
            * (alive.gg_v * alive.gg_p / (alive.gg_q - 1))
            + alive.gg_p * alive.frequency / (alive.gg_p * alive.frequency + alive.gg_q - 1) * alive.monetary_value
        ) as expected_order_value
    from alive
    inner join series_inputs
        on alive.frequency = series_inputs.frequency
        and alive.age = series_inputs.age
    left join series_sums
        on alive.frequency = series_sums.frequency
        and alive.age = series_sums.age

),

final as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        cast('{{ model_name }}' as {{ dbt.type_string() }}) as btyd_model,
        calibration_end_date,
        p_alive,
        1 - p_alive as churn_probability,
        -- Thresholds as doubles: a decimal 1.0 / 3 has a different number of digits on every engine.
        case
            when 1 - p_alive < cast(1 as {{ double }}) / 3 then 'Low'
            when 1 - p_alive < cast(2 as {{ double }}) / 3 then 'Medium'
            else 'High'
        end as churn_band,
        expected_purchases,
        expected_order_value,
        expected_purchases * expected_order_value as predicted_value
    from predicted

)

select * from final
