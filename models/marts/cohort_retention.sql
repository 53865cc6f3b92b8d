{#- Quarterly cohort retention: for each first-order quarter and each quarter since, how many of the cohort
    bought (a completed order) and the cohort's net revenue, through the quarter of the as-of date (which may
    be unfinished). Every cohort has a row for every quarter from its own on, zero activity included. -#}
with

cohorts as (

    select * from {{ ref('customer_cohorts') }}

),

orders_to_date as (

    select * from {{ ref('int_orders_to_date') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

quarters as (

    -- The calendar spine has a period starting in every quarter it spans, whatever the grain; a week that
    -- starts before the as-of date's quarter begins is why that quarter is added on its own.
    select {{ customer_segmentation.period_start('period_start_date', 'quarter') }} as activity_quarter
    from periods
    union
    select {{ customer_segmentation.period_start('as_of_date', 'quarter') }} as activity_quarter
    from as_of

),

cohort_sizes as (

    select
        cohort_quarter,
        cohort_label,
        count(*) as cohort_customers
    from cohorts
    group by
        cohort_quarter,
        cohort_label

),

customer_quarters as (

    select
        customer_id,
        {{ customer_segmentation.period_start('order_date', 'quarter') }} as activity_quarter,
        sum(case when status = 'completed' then 1 else 0 end) as completed_orders,
        sum(amount) as net_revenue
    from orders_to_date
    group by
        customer_id,
        {{ customer_segmentation.period_start('order_date', 'quarter') }}

),

cohort_activity as (

    select
        cohorts.cohort_quarter,
        customer_quarters.activity_quarter,
        sum(case when customer_quarters.completed_orders > 0 then 1 else 0 end) as active_customers,
        sum(customer_quarters.net_revenue) as revenue
    from customer_quarters
    inner join cohorts
        on customer_quarters.customer_id = cohorts.customer_id
    group by
        cohorts.cohort_quarter,
        customer_quarters.activity_quarter

),

cohort_quarters as (

    select
        cohort_sizes.cohort_quarter,
        cohort_sizes.cohort_label,
        cohort_sizes.cohort_customers,
        quarters.activity_quarter
    from cohort_sizes
    inner join quarters
        on cohort_sizes.cohort_quarter <= quarters.activity_quarter

),

joined as (

    select
        cohort_quarters.cohort_quarter,
        cohort_quarters.cohort_label,
        cohort_quarters.activity_quarter,
        cast(
            (
                extract(year from cohort_quarters.activity_quarter)
                - extract(year from cohort_quarters.cohort_quarter)
            ) * 4
            + extract(quarter from cohort_quarters.activity_quarter)
            - extract(quarter from cohort_quarters.cohort_quarter)
            as integer
        ) as quarters_since_first_order,
        cohort_quarters.cohort_customers,
        cast(coalesce(cohort_activity.active_customers, 0) as {{ dbt.type_bigint() }}) as active_customers,
        coalesce(cohort_activity.revenue, 0) as revenue
    from cohort_quarters
    left join cohort_activity
        on cohort_quarters.cohort_quarter = cohort_activity.cohort_quarter
        and cohort_quarters.activity_quarter = cohort_activity.activity_quarter

),

final as (

    select
        cohort_quarter,
        cohort_label,
        activity_quarter,
        quarters_since_first_order,
        cohort_customers,
        active_customers,
        {{ customer_segmentation.round_ratio('active_customers', 'cohort_customers', 6) }} as retention_rate,
        cast(revenue as {{ customer_segmentation.money_type() }}) as revenue,
        {{ customer_segmentation.round_ratio('revenue', 'cohort_customers', 2) }} as revenue_per_cohort_customer
    from joined

)

select * from final
