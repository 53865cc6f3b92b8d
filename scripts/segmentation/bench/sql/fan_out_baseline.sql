-- The fan-out join: every order repeated for every snapshot whose 12-month window holds it, aggregated
-- and ranked per snapshot, written as a table. It reads the staged orders only and builds its own calendar,
-- so it does not depend on how the project's intermediate models are shaped.
-- Its placeholders (table, frequency, periods_cte, buckets) are filled in by segmentation.bench.common.sql.
create or replace table $table as
with

orders as (

    select
        order_id,
        customer_id,
        order_date,
        status,
        amount
    from stg_orders
    where status in ('completed', 'refunded')
        and order_date <= (select max(order_date) from stg_orders)

),

$periods_cte,

orders_in_windows as (

    select
        orders.order_id,
        orders.customer_id,
        periods.snapshot_date,
        orders.order_date,
        orders.status,
        orders.amount
    from orders
    inner join periods
        on orders.order_date > periods.window_start_date
        and orders.order_date <= periods.as_of_date

),

window_values as (

    select
        customer_id,
        snapshot_date,
        $frequency as frequency,
        sum(amount) as monetary,
        max(case when status = 'completed' then order_date end) as last_order_in_window
    from orders_in_windows
    group by
        customer_id,
        snapshot_date

),

first_orders as (

    select
        customer_id,
        min(order_date) as first_order_date
    from orders
    where status = 'completed'
    group by customer_id

),

customer_periods as (

    -- Customers who bought nothing in a window still get their row, as the model's contract says.
    select
        first_orders.customer_id,
        periods.snapshot_date,
        periods.as_of_date
    from first_orders
    inner join periods
        on periods.as_of_date >= first_orders.first_order_date

),

measured as (

    -- A completed order is always inside its own period's window, so the running maximum of the windows'
    -- last orders is the last order ever.
    select
        customer_periods.customer_id,
        customer_periods.snapshot_date,
        customer_periods.as_of_date,
        max(window_values.last_order_in_window) over (
            partition by customer_periods.customer_id
            order by customer_periods.snapshot_date
            rows between unbounded preceding and current row
        ) as last_order_date,
        coalesce(window_values.frequency, 0) as frequency,
        coalesce(window_values.monetary, 0) as monetary
    from customer_periods
    left join window_values
        on customer_periods.customer_id = window_values.customer_id
        and customer_periods.snapshot_date = window_values.snapshot_date

),

ranked as (

    select
        customer_id,
        snapshot_date,
        as_of_date,
        last_order_date,
        cast(as_of_date - last_order_date as integer) as recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary as decimal(18, 2)) as monetary,
        percent_rank() over (partition by snapshot_date order by as_of_date - last_order_date desc)
            as recency_pct,
        percent_rank() over (partition by snapshot_date order by frequency) as frequency_pct,
        percent_rank() over (partition by snapshot_date order by monetary) as monetary_pct
    from measured

),

scored as (

    select
        *,
        cast(least($buckets, 1 + floor(recency_pct * $buckets)) as integer) as recency_score,
        cast(least($buckets, 1 + floor(frequency_pct * $buckets)) as integer) as frequency_score,
        cast(least($buckets, 1 + floor(monetary_pct * $buckets)) as integer) as monetary_score
    from ranked

)

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
    cast(recency_score as varchar) || cast(frequency_score as varchar) || cast(monetary_score as varchar)
        as rfm_code
from scored
