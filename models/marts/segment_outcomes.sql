{#- Do the segments predict anything? For each snapshot and segment: of its customers, how many bought in
    the next period, how many were still in the segment at the next snapshot, and what they spent then.
    The newest snapshot has no next period yet, so it has no rows. -#}
{%- set grain = customer_segmentation.rfm_grain() %}

with

rfm_history as (

    select * from {{ ref('customer_rfm_history') }}

),

orders_to_date as (

    select * from {{ ref('int_orders_to_date') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

period_purchases as (

    -- An order belongs to the one period its date falls in, so orders join periods on equality only. Orders
    -- to date end at the data's as-of date, where the newest, unfinished period is cut.
    select
        orders_to_date.customer_id,
        periods.snapshot_date,
        sum(case when orders_to_date.status = 'completed' then 1 else 0 end) as completed_orders,
        sum(orders_to_date.amount) as net_revenue
    from orders_to_date
    inner join periods
        on {{ customer_segmentation.period_start('orders_to_date.order_date', grain) }} = periods.period_start_date
    group by
        orders_to_date.customer_id,
        periods.snapshot_date

),

with_next as (

    -- Histories cover consecutive periods, so the next row is the next snapshot.
    select
        customer_id,
        snapshot_date,
        segment,
        lead(snapshot_date) over (partition by customer_id order by snapshot_date) as next_snapshot_date,
        lead(segment) over (partition by customer_id order by snapshot_date) as next_segment
    from rfm_history

),

customer_outcomes as (

    select
        with_next.snapshot_date,
        with_next.segment,
        with_next.next_snapshot_date,
        case when coalesce(period_purchases.completed_orders, 0) > 0 then 1 else 0 end as is_active_next_period,
        case when with_next.next_segment = with_next.segment then 1 else 0 end as is_in_segment_next_period,
        coalesce(period_purchases.net_revenue, 0) as net_revenue_next_period
    from with_next
    left join period_purchases
        on with_next.customer_id = period_purchases.customer_id
        and with_next.next_snapshot_date = period_purchases.snapshot_date
    where with_next.next_snapshot_date is not null

),

per_segment as (

    select
        snapshot_date,
        segment,
        next_snapshot_date,
        count(*) as customers,
        cast(sum(is_active_next_period) as {{ dbt.type_bigint() }}) as active_next_period,
        cast(sum(is_in_segment_next_period) as {{ dbt.type_bigint() }}) as in_segment_next_period,
        sum(net_revenue_next_period) as revenue_next_period
    from customer_outcomes
    group by
        snapshot_date,
        segment,
        next_snapshot_date

),

final as (

    select
        snapshot_date,
        segment,
        next_snapshot_date,
        customers,
        active_next_period,
        {{ customer_segmentation.round_ratio('active_next_period', 'customers', 6) }} as share_active_next_period,
        in_segment_next_period,
        {{ customer_segmentation.round_ratio('in_segment_next_period', 'customers', 6) }}
            as share_in_segment_next_period,
        cast(revenue_next_period as {{ customer_segmentation.money_type() }}) as revenue_next_period,
        {{ customer_segmentation.round_ratio('revenue_next_period', 'customers', 2) }}
            as revenue_per_customer_next_period
    from per_segment

)

select * from final
