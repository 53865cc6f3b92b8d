{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ customer_segmentation.window_engine_drop_removed_snapshots(ref('int_rfm_periods')) }}",
    **customer_segmentation.family_history_incremental_config()
) }}
{#- The Buy-Till-You-Die summary (frequency, recency, T, monetary value) per customer per snapshot, as of the
    snapshot's as_of_date, with the conventions of the BG/NBD paper and pymc-marketing's rfm_summary: the
    first purchase day is the start, so frequency counts repeat purchase days and monetary_value averages the
    repeat days only. The purchase-day totals to date come from the window engine; whole snapshots are
    rewritten from the first one the engine rewrote since this model last ran. -#}
{%- set unit_days = customer_segmentation.clv_time_unit_days() -%}
{#- The usual gap between purchase days in whole days, rounded half up (expected_next_order_date). -#}
{%- set expected_gap_days = 'cast(floor(cast(recency_days as ' ~ customer_segmentation.double_type() ~ ')'
    ~ ' / frequency + 0.5) as integer)' %}

with

snapshot_windows as (

    select * from {{ ref('int_customer_snapshot_windows') }}

),

recompute_from as (

    {{ customer_segmentation.recompute_start_from([ref('int_customer_snapshot_windows')]) }}

),

measured as (

    -- A purchase day is a day with a completed order, so a customer has purchase days from the snapshot of
    -- their first completed order on, and the first and last purchase days are those orders' dates.
    select
        snapshot_windows.customer_id,
        snapshot_windows.snapshot_date,
        snapshot_windows.as_of_date,
        snapshot_windows.first_order_date as first_purchase_date,
        snapshot_windows.last_order_date as last_purchase_date,
        cast(snapshot_windows.purchase_days as integer) as purchase_days,
        cast(snapshot_windows.purchase_days - 1 as integer) as frequency,
        cast(
            {{ dbt.datediff('snapshot_windows.first_order_date', 'snapshot_windows.last_order_date', 'day') }}
            as integer
        ) as recency_days,
        cast(
            {{ dbt.datediff('snapshot_windows.first_order_date', 'snapshot_windows.as_of_date', 'day') }}
            as integer
        ) as age_days,
        snapshot_windows.purchase_days_revenue - snapshot_windows.first_purchase_day_revenue as repeat_revenue
    from snapshot_windows
    cross join recompute_from
    where snapshot_windows.snapshot_date >= recompute_from.first_snapshot_date
        and snapshot_windows.purchase_days > 0

),

final as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        first_purchase_date,
        last_purchase_date,
        purchase_days,
        frequency,
        recency_days,
        age_days,
        cast(recency_days as {{ customer_segmentation.double_type() }}) / {{ unit_days }} as recency,
        cast(age_days as {{ customer_segmentation.double_type() }}) / {{ unit_days }} as age,
        cast(repeat_revenue as {{ customer_segmentation.money_type() }}) as repeat_revenue,
        case
            when frequency > 0
                then cast(repeat_revenue as {{ customer_segmentation.double_type() }}) / frequency
            else cast(0 as {{ customer_segmentation.double_type() }})
        end as monetary_value,
        cast('{{ customer_segmentation.clv_time_unit() }}' as {{ dbt.type_string() }}) as time_unit,
        -- The usual gap: days from the first to the last purchase day over the repeat purchase days; none
        -- for a one-time buyer. The next order is expected one gap (rounded half up) after the last one, and
        -- a customer is overdue with no purchase for more than twice the gap.
        case
            when frequency > 0
                then cast(recency_days as {{ customer_segmentation.double_type() }}) / frequency
        end as avg_days_between_orders,
        case
            when frequency > 0
                then cast({{ dbt.dateadd('day', expected_gap_days, 'last_purchase_date') }} as date)
        end as expected_next_order_date,
        case
            when frequency > 0
                then
                    {{ dbt.datediff('last_purchase_date', 'as_of_date', 'day') }}
                    * frequency > 2 * recency_days
        end as is_overdue,
        {{ customer_segmentation.run_computed_at() }} as computed_at
    from measured

)

select * from final
