{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **customer_segmentation.family_history_incremental_config()
) }}
-- depends_on: {{ ref('rfm_segment_definitions') }}
{%- set buckets = customer_segmentation.rfm_buckets() -%}
{%- set method = customer_segmentation.rfm_score_method() -%}
{%- set lookback = customer_segmentation.rfm_lookback_periods() %}

with

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

period_activity as (

    select * from {{ ref('int_customer_period_activity') }}

),

recompute_from as (

    {% if is_incremental() -%}
    -- The newest periods already built are recomputed, so orders that arrived late but are dated in them
    -- are absorbed; every period after them is new. Whole snapshots are replaced, so ranks stay per snapshot.
    select coalesce(min(snapshot_date), cast('1900-01-01' as date)) as first_snapshot_date
    from (
        select
            snapshot_date,
            dense_rank() over (order by snapshot_date desc) as periods_back
        from (select distinct snapshot_date from {{ this }}) as built
    ) as built_periods
    where periods_back <= {{ lookback }}
    {%- else -%}
    select cast('1900-01-01' as date) as first_snapshot_date
    {%- endif %}

),

customer_first_snapshots as (

    -- A customer's history starts with the period of their first completed order.
    select
        customer_id,
        min(snapshot_date) as first_snapshot_date
    from period_activity
    where last_completed_order_date is not null
    group by customer_id

),

carried_in as (

    -- Window changes before the recomputed periods, summed once per customer, seed the running totals.
    select
        period_activity.customer_id,
        sum(period_activity.frequency_change) as frequency,
        sum(period_activity.monetary_change) as monetary,
        max(period_activity.last_completed_order_date) as last_order_date
    from period_activity
    cross join recompute_from
    where period_activity.snapshot_date < recompute_from.first_snapshot_date
    group by period_activity.customer_id

),

customer_periods as (

    select
        customer_first_snapshots.customer_id,
        periods.snapshot_date,
        periods.as_of_date
    from customer_first_snapshots
    inner join periods
        on periods.snapshot_date >= customer_first_snapshots.first_snapshot_date
    cross join recompute_from
    where periods.snapshot_date >= recompute_from.first_snapshot_date

),

rolled_forward as (

    select
        customer_periods.customer_id,
        customer_periods.snapshot_date,
        customer_periods.as_of_date,
        coalesce(
            max(period_activity.last_completed_order_date) over customer_to_date,
            carried_in.last_order_date
        ) as last_order_date,
        coalesce(carried_in.frequency, 0)
            + sum(coalesce(period_activity.frequency_change, 0)) over customer_to_date as frequency,
        coalesce(carried_in.monetary, 0)
            + sum(coalesce(period_activity.monetary_change, 0)) over customer_to_date as monetary
    from customer_periods
    left join period_activity
        on customer_periods.customer_id = period_activity.customer_id
        and customer_periods.snapshot_date = period_activity.snapshot_date
    left join carried_in
        on customer_periods.customer_id = carried_in.customer_id
    window customer_to_date as (
        partition by customer_periods.customer_id
        order by customer_periods.snapshot_date
        rows between unbounded preceding and current row
    )

),

measured as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        last_order_date,
        cast({{ dbt.datediff('last_order_date', 'as_of_date', 'day') }} as integer) as recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary as {{ customer_segmentation.money_type() }}) as monetary
    from rolled_forward

),

scored as (

    select
        *,
        {{ customer_segmentation.rfm_score('recency_days', 'desc', buckets, method) }} as recency_score,
        {{ customer_segmentation.rfm_score('frequency', 'asc', buckets, method) }} as frequency_score,
        {{ customer_segmentation.rfm_score('monetary', 'asc', buckets, method) }} as monetary_score
    from measured

),

segmented as (

    select
        *,
        {{ dbt.concat([
            dbt.cast('recency_score', dbt.type_string()),
            dbt.cast('frequency_score', dbt.type_string()),
            dbt.cast('monetary_score', dbt.type_string())
        ]) }} as rfm_code,
        {{ customer_segmentation.rfm_segment_case('recency_score', 'frequency_score', 'monetary_score') }} as segment
    from scored

),

final as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        last_order_date,
        recency_days,
        frequency,
        monetary,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_code,
        segment,
        {{ customer_segmentation.rfm_segment_action_case('segment') }} as recommended_action
    from segmented

)

select * from final
