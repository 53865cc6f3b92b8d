-- Each customer has exactly one row per period from the period of the first completed order to the last.
with

history as (

    select * from {{ ref('customer_rfm_history') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

cohorts as (

    select * from {{ ref('customer_cohorts') }}

),

expected as (

    select
        cohorts.customer_id,
        count(*) as expected_rows,
        min(periods.snapshot_date) as expected_first_snapshot
    from cohorts
    inner join periods
        on cohorts.first_order_date <= periods.snapshot_date
    group by cohorts.customer_id

),

actual as (

    select
        customer_id,
        count(*) as actual_rows,
        min(snapshot_date) as actual_first_snapshot
    from history
    group by customer_id

)

select
    coalesce(expected.customer_id, actual.customer_id) as customer_id,
    expected.expected_rows,
    actual.actual_rows,
    expected.expected_first_snapshot,
    actual.actual_first_snapshot
from expected
full outer join actual
    on expected.customer_id = actual.customer_id
where expected.customer_id is null
    or actual.customer_id is null
    or expected.expected_rows <> actual.actual_rows
    or expected.expected_first_snapshot <> actual.actual_first_snapshot
