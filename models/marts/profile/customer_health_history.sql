{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_snapshots(ref('int_rfm_periods')) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- A 0-100 health score as of each snapshot, the weighted mean (var `health_weights`, rounded
    half up) of five whole-number component scores, each 0-100:
      usage          core actions in the behaviour window, full marks at the Power user threshold
      frequency      active weeks in the behaviour window, full marks at the Power user threshold
      recency        falls linearly from 100 on the day of activity to 0 at `lifecycle_churned_days`
      revenue_trend  share of the last two `health_trend_days` periods' net revenue earned in the newer one
                     (50 = flat, 100 = all new, 0 = stopped; 50 without revenue in either)
      refunds        share of trailing-12-month gross revenue not refunded (50 without revenue)
    Every step is integer arithmetic, so every engine gives the same score. Without events the usage and
    frequency components are null and the other weights carry the score. Bands start at their thresholds:
    Champions 80-100, Healthy 60-79, Neutral 40-59, At-risk 20-39, Critical 0-19 by default. -#}
{%- set health = customer_segmentation.health_config() -%}
{%- set behaviour = customer_segmentation.behaviour_config() -%}
{%- set lifecycle = customer_segmentation.lifecycle_config() -%}
{%- set weights = health.weights -%}
{%- set total_weight = weights.values() | sum -%}
{%- set score_columns = {
    'usage': 'usage_score',
    'recency': 'recency_score',
    'frequency': 'frequency_score',
    'revenue_trend': 'revenue_trend_score',
    'refunds': 'refund_score',
} -%}
{%- set terms = [] -%}
{%- for component, weight in weights.items() -%}
{%- do terms.append(weight ~ ' * ' ~ score_columns[component]) -%}
{%- endfor -%}
{%- set weighted_sum = terms | join(' + ') %}

with

snapshot_windows as (

    select * from {{ ref('int_customer_snapshot_windows') }}

),

definitions as (

    select * from {{ ref('health_band_definitions') }}

),

recompute_from as (

    {{ customer_segmentation.recompute_start_from([ref('int_customer_snapshot_windows')]) }}

),

recomputed as (

    select snapshot_windows.*
    from snapshot_windows
    cross join recompute_from
    where snapshot_windows.snapshot_date >= recompute_from.first_snapshot_date

),

whole_numbers as (

    select
        *,
        case when revenue_last_90d > 0 then {{ customer_segmentation.cents('revenue_last_90d') }} else 0 end
            as recent_revenue_cents,
        case when revenue_previous_90d > 0 then {{ customer_segmentation.cents('revenue_previous_90d') }} else 0 end
            as previous_revenue_cents,
        {{ customer_segmentation.cents('gross_revenue_12m') }} as gross_revenue_cents,
        {{ customer_segmentation.cents('refunded_revenue_12m') }} as refunded_revenue_cents
    from recomputed

),

components as (

    select
        *,
        {% if 'usage' in weights -%}
        {{ customer_segmentation.percent_score(
            'case when core_actions_30d >= ' ~ behaviour.power_user_min_core_actions ~ ' then '
            ~ behaviour.power_user_min_core_actions ~ ' else core_actions_30d end',
            behaviour.power_user_min_core_actions) }} as usage_score,
        {%- else -%}
        cast(null as integer) as usage_score,
        {%- endif %}
        {% if 'frequency' in weights -%}
        {{ customer_segmentation.percent_score(
            'case when active_weeks_30d >= ' ~ behaviour.power_user_min_active_weeks ~ ' then '
            ~ behaviour.power_user_min_active_weeks ~ ' else active_weeks_30d end',
            behaviour.power_user_min_active_weeks) }} as frequency_score,
        {%- else -%}
        cast(null as integer) as frequency_score,
        {%- endif %}
        {{ customer_segmentation.percent_score(
            'case when days_since_last_activity >= ' ~ lifecycle.churned_days ~ ' then 0 else '
            ~ lifecycle.churned_days ~ ' - days_since_last_activity end',
            lifecycle.churned_days) }} as recency_score,
        case
            when recent_revenue_cents + previous_revenue_cents = 0 then 50
            else {{ customer_segmentation.percent_score(
                'recent_revenue_cents', 'recent_revenue_cents + previous_revenue_cents') }}
        end as revenue_trend_score,
        case
            when gross_revenue_cents = 0 and refunded_revenue_cents = 0 then 50
            when refunded_revenue_cents >= gross_revenue_cents then 0
            else {{ customer_segmentation.percent_score(
                'gross_revenue_cents - refunded_revenue_cents', 'gross_revenue_cents') }}
        end as refund_score
    from whole_numbers

),

scored as (

    select
        *,
        -- Weights are whole thousandths; adding half the total before dividing rounds half up.
        cast({{ customer_segmentation.floor_divide(
            '2 * (' ~ weighted_sum ~ ') + ' ~ total_weight, 2 * total_weight
        ) }} as integer) as health_score
    from components

),

banded as (

    select
        *,
        case
            when health_score >= {{ health.champions_min_score }} then 'Champions'
            when health_score >= {{ health.healthy_min_score }} then 'Healthy'
            when health_score >= {{ health.neutral_min_score }} then 'Neutral'
            when health_score >= {{ health.at_risk_min_score }} then 'At-risk'
            else 'Critical'
        end as health_band
    from scored

),

final as (

    select
        banded.customer_id,
        banded.snapshot_date,
        banded.as_of_date,
        banded.usage_score,
        banded.frequency_score,
        banded.recency_score,
        banded.revenue_trend_score,
        banded.refund_score,
        banded.health_score,
        banded.health_band,
        definitions.action_priority as recommended_action,
        {{ customer_segmentation.run_computed_at() }} as computed_at
    from banded
    left join definitions
        on banded.health_band = definitions.health_band

)

select * from final
