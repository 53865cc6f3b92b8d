-- Each customer has one snapshot-window row for every period whose as-of date reaches their start, and
-- no snapshot sees the future: nothing after as_of_date counts, and as_of_date never passes snapshot_date.
with

snapshot_windows as (

    select * from {{ ref('int_customer_snapshot_windows') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

customer_starts as (

    select distinct
        customer_id,
        customer_since_date
    from snapshot_windows

),

expected as (

    select
        customer_starts.customer_id,
        count(*) as expected_rows
    from customer_starts
    inner join periods
        on customer_starts.customer_since_date <= periods.as_of_date
    group by customer_starts.customer_id

),

actual as (

    select
        customer_id,
        count(*) as actual_rows,
        count(distinct customer_since_date) as start_dates
    from snapshot_windows
    group by customer_id

),

coverage_problems as (

    select
        actual.customer_id,
        'rows or start dates' as problem
    from actual
    left join expected
        on actual.customer_id = expected.customer_id
    where expected.customer_id is null
        or expected.expected_rows <> actual.actual_rows
        or actual.start_dates <> 1

),

future_problems as (

    select
        customer_id,
        'sees the future' as problem
    from snapshot_windows
    where as_of_date > snapshot_date
        or customer_since_date > as_of_date
        or last_activity_date > as_of_date
        or last_event_date > as_of_date
        or last_order_date > as_of_date
        or first_order_date > last_order_date

)

select * from coverage_problems
union all
select * from future_problems
