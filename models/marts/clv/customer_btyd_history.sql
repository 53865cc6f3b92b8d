{{ config(
    materialized='incremental',
    on_schema_change='fail',
    **customer_segmentation.family_history_incremental_config()
) }}
{#- The Buy-Till-You-Die summary (frequency, recency, T, monetary value) per customer per snapshot, as of the
    snapshot's as_of_date, with the conventions of the BG/NBD paper and pymc-marketing's rfm_summary: the
    first purchase day is the start, so frequency counts repeat purchase days and monetary_value averages the
    repeat days only. Incremental like customer_rfm_history: purchase days are rolled forward from the
    totals carried in from before the recomputed snapshots, at a cost linear in purchase days plus
    customers x periods. -#}
{%- set lookback = customer_segmentation.rfm_lookback_periods() -%}
{%- set unit_days = customer_segmentation.clv_time_unit_days() %}

with

purchase_days as (

    select * from {{ ref('int_customer_purchase_days') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

recompute_from as (

    {{ customer_segmentation.recompute_from_snapshot(lookback) }}

),

purchase_dates as (

    select distinct purchase_date from purchase_days

),

date_snapshots as (

    -- The snapshot a purchase day enters: the first whose as-of date reaches it.
    select
        purchase_dates.purchase_date,
        min(periods.snapshot_date) as snapshot_date
    from purchase_dates
    inner join periods
        on periods.as_of_date >= purchase_dates.purchase_date
    group by purchase_dates.purchase_date

),

first_purchases as (

    -- The first purchase day never changes once a customer has one, so its revenue is read once.
    select
        purchase_days.customer_id,
        purchase_days.purchase_date as first_purchase_date,
        purchase_days.net_revenue as first_purchase_revenue
    from purchase_days
    inner join (
        select
            customer_id,
            min(purchase_date) as first_purchase_date
        from purchase_days
        group by customer_id
    ) as firsts
        on purchase_days.customer_id = firsts.customer_id
        and purchase_days.purchase_date = firsts.first_purchase_date

),

snapshot_changes as (

    select
        purchase_days.customer_id,
        date_snapshots.snapshot_date,
        count(*) as purchase_days_change,
        sum(purchase_days.net_revenue) as revenue_change,
        max(purchase_days.purchase_date) as last_purchase_date
    from purchase_days
    inner join date_snapshots
        on purchase_days.purchase_date = date_snapshots.purchase_date
    group by
        purchase_days.customer_id,
        date_snapshots.snapshot_date

),

changes as (

    -- Changes before the recomputed snapshots enter as one change dated before all of them, so one running
    -- sum gives each snapshot's totals on a full build and on an incremental run alike.
    select
        snapshot_changes.customer_id,
        snapshot_changes.snapshot_date,
        snapshot_changes.purchase_days_change,
        snapshot_changes.revenue_change,
        snapshot_changes.last_purchase_date
    from snapshot_changes
    cross join recompute_from
    where snapshot_changes.snapshot_date >= recompute_from.first_snapshot_date

    union all

    select
        snapshot_changes.customer_id,
        cast('1900-01-01' as date) as snapshot_date,
        sum(snapshot_changes.purchase_days_change) as purchase_days_change,
        sum(snapshot_changes.revenue_change) as revenue_change,
        max(snapshot_changes.last_purchase_date) as last_purchase_date
    from snapshot_changes
    cross join recompute_from
    where snapshot_changes.snapshot_date < recompute_from.first_snapshot_date
    group by snapshot_changes.customer_id

),

rolled_forward as (

    select
        customer_id,
        snapshot_date as change_snapshot_date,
        coalesce(
            lead(snapshot_date) over (partition by customer_id order by snapshot_date),
            cast('9999-12-31' as date)
        ) as next_change_snapshot_date,
        sum(purchase_days_change) over customer_to_date as purchase_days,
        sum(revenue_change) over customer_to_date as revenue,
        max(last_purchase_date) over customer_to_date as last_purchase_date
    from changes
    window customer_to_date as (
        partition by customer_id
        order by snapshot_date
        rows between unbounded preceding and current row
    )

),

customer_periods as (

    select
        rolled_forward.customer_id,
        periods.snapshot_date,
        periods.as_of_date,
        rolled_forward.purchase_days,
        rolled_forward.revenue,
        rolled_forward.last_purchase_date
    from rolled_forward
    inner join periods
        on periods.snapshot_date >= rolled_forward.change_snapshot_date
        and periods.snapshot_date < rolled_forward.next_change_snapshot_date
    cross join recompute_from
    where periods.snapshot_date >= recompute_from.first_snapshot_date

),

measured as (

    select
        customer_periods.customer_id,
        customer_periods.snapshot_date,
        customer_periods.as_of_date,
        first_purchases.first_purchase_date,
        customer_periods.last_purchase_date,
        cast(customer_periods.purchase_days as integer) as purchase_days,
        cast(customer_periods.purchase_days - 1 as integer) as frequency,
        cast({{ dbt.datediff('first_purchases.first_purchase_date', 'customer_periods.last_purchase_date', 'day') }} as integer)
            as recency_days,
        cast({{ dbt.datediff('first_purchases.first_purchase_date', 'customer_periods.as_of_date', 'day') }} as integer)
            as age_days,
        customer_periods.revenue - first_purchases.first_purchase_revenue as repeat_revenue
    from customer_periods
    inner join first_purchases
        on customer_periods.customer_id = first_purchases.customer_id

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
                then cast({{ dbt.dateadd('day', 'cast(floor(cast(recency_days as ' ~ customer_segmentation.double_type() ~ ') / frequency + 0.5) as integer)', 'last_purchase_date') }} as date)
        end as expected_next_order_date,
        case
            when frequency > 0
                then {{ dbt.datediff('last_purchase_date', 'as_of_date', 'day') }} * frequency > 2 * recency_days
        end as is_overdue
    from measured

)

select * from final
