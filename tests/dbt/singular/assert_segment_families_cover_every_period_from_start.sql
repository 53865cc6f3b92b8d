-- Each customer has one snapshot-activity row for every period whose as-of date reaches their start, and
-- no snapshot sees the future: nothing after as_of_date counts, and as_of_date never passes snapshot_date.
with

snapshot_activity as (

    select * from {{ ref('int_customer_snapshot_activity') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

customer_starts as (

    select distinct
        customer_id,
        customer_since_date
    from snapshot_activity

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
    from snapshot_activity
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
    from snapshot_activity
    where as_of_date > snapshot_date
        or customer_since_date > as_of_date
        or last_activity_date > as_of_date
        or last_event_date > as_of_date

)

select * from coverage_problems
union all
select * from future_problems
