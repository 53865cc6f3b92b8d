-- segment_outcomes has one row per snapshot and segment of segment_summary, with the same customers, for
-- every snapshot except the newest; its counts never exceed the segment's customers.
with

outcomes as (

    select * from {{ ref('segment_outcomes') }}

),

summary as (

    select * from {{ ref('segment_summary') }}

),

latest as (

    select max(snapshot_date) as snapshot_date from summary

),

expected as (

    select
        summary.snapshot_date,
        summary.segment,
        summary.customers
    from summary
    cross join latest
    where summary.snapshot_date < latest.snapshot_date

),

mismatches as (

    select
        coalesce(expected.snapshot_date, outcomes.snapshot_date) as snapshot_date,
        coalesce(expected.segment, outcomes.segment) as segment,
        expected.customers as expected_customers,
        outcomes.customers as outcome_customers
    from expected
    full outer join outcomes
        on expected.snapshot_date = outcomes.snapshot_date
        and expected.segment = outcomes.segment
    where expected.customers is null
        or outcomes.customers is null
        or expected.customers <> outcomes.customers
        or outcomes.active_next_period > outcomes.customers
        or outcomes.in_segment_next_period > outcomes.customers
        or outcomes.next_snapshot_date <= outcomes.snapshot_date

)

select * from mismatches
