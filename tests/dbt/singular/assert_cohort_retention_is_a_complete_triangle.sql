-- Every cohort has one row per quarter from its own through the quarter of the as-of date, its size matches
-- customer_cohorts, quarter 0 retains the whole cohort, and no quarter has more active customers than the
-- cohort holds.
with

retention as (

    select * from {{ ref('cohort_retention') }}

),

cohorts as (

    select * from {{ ref('customer_cohorts') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

cohort_sizes as (

    select
        cohort_quarter,
        count(*) as customers
    from cohorts
    group by cohort_quarter

),

per_cohort as (

    select
        cohort_quarter,
        count(*) as quarters,
        max(quarters_since_first_order) as last_quarter_index,
        max(activity_quarter) as last_activity_quarter,
        max(cohort_customers) as cohort_customers,
        min(cohort_customers) as min_cohort_customers
    from retention
    group by cohort_quarter

),

problems as (

    select
        per_cohort.cohort_quarter,
        'rows are not one per quarter through the as-of quarter' as problem
    from per_cohort
    cross join as_of
    where per_cohort.quarters <> per_cohort.last_quarter_index + 1
        or per_cohort.last_activity_quarter <> {{ customer_segmentation.period_start('as_of.as_of_date', 'quarter') }}

    union all

    select
        coalesce(per_cohort.cohort_quarter, cohort_sizes.cohort_quarter) as cohort_quarter,
        'cohort size differs from customer_cohorts' as problem
    from per_cohort
    full outer join cohort_sizes
        on per_cohort.cohort_quarter = cohort_sizes.cohort_quarter
    where per_cohort.cohort_customers is null
        or cohort_sizes.customers is null
        or per_cohort.cohort_customers <> cohort_sizes.customers
        or per_cohort.min_cohort_customers <> cohort_sizes.customers

    union all

    select
        cohort_quarter,
        'quarter 0 does not retain the whole cohort, or active exceeds the cohort' as problem
    from retention
    where (quarters_since_first_order = 0 and active_customers <> cohort_customers)
        or active_customers > cohort_customers

)

select * from problems
