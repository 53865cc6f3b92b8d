{#- A calibration/holdout split for back-testing the BTYD models: every customer's summary at the cutoff
    (var `clv_calibration_end`, a snapshot's as_of_date; null = the latest snapshot ending at least
    `clv_horizon` units before the data's as-of date) from customer_btyd_history, and their repeat purchase
    days and net revenue after the cutoff up to the data's as-of date. Customers whose first purchase comes
    after the cutoff are not in the calibration set (as in pymc-marketing's rfm_train_test_split). -#}
{%- set unit_days = customer_segmentation.clv_time_unit_days() -%}
{%- set horizon_days = customer_segmentation.clv_horizon_days() -%}
{%- set cutoff_literal = customer_segmentation.clv_calibration_end_literal() %}

with

history as (

    select * from {{ ref('customer_btyd_history') }}

),

daily_activity as (

    select * from {{ ref('int_customer_daily_activity') }}

),

periods as (

    select * from {{ ref('int_rfm_periods') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

cutoff as (

    {% if cutoff_literal -%}
    select
        {{ cutoff_literal }} as calibration_end_date,
        as_of.as_of_date as holdout_end_date
    from as_of
    {%- else -%}
    -- The newest snapshot that leaves a full horizon of holdout after it.
    select
        max(periods.as_of_date) as calibration_end_date,
        max(as_of.as_of_date) as holdout_end_date
    from periods
    cross join as_of
    where periods.as_of_date <= {{ dbt.dateadd('day', -1 * horizon_days, 'as_of.as_of_date') }}
    {%- endif %}

),

calibration as (

    select
        history.*,
        cutoff.holdout_end_date
    from history
    inner join cutoff
        on history.as_of_date = cutoff.calibration_end_date

),

holdout as (

    -- Purchase days, as in customer_btyd_history: days with a completed order, valued at the day's net
    -- revenue.
    select
        daily_activity.customer_id,
        count(*) as holdout_purchases,
        sum(daily_activity.net_revenue) as holdout_revenue
    from daily_activity
    cross join cutoff
    where daily_activity.completed_orders > 0
        and daily_activity.activity_date > cutoff.calibration_end_date
        and daily_activity.activity_date <= cutoff.holdout_end_date
    group by daily_activity.customer_id

),

final as (

    select
        calibration.customer_id,
        calibration.as_of_date as calibration_end_date,
        calibration.holdout_end_date,
        calibration.first_purchase_date,
        calibration.last_purchase_date,
        calibration.frequency,
        calibration.recency_days,
        calibration.age_days,
        calibration.recency,
        calibration.age,
        calibration.monetary_value,
        calibration.time_unit,
        cast(
            {{ dbt.datediff('calibration.as_of_date', 'calibration.holdout_end_date', 'day') }}
            as integer
        ) as holdout_days,
        cast(
            {{ dbt.datediff('calibration.as_of_date', 'calibration.holdout_end_date', 'day') }}
            as {{ customer_segmentation.double_type() }}
        ) / {{ unit_days }} as holdout_length,
        cast(coalesce(holdout.holdout_purchases, 0) as integer) as holdout_purchases,
        cast(coalesce(holdout.holdout_revenue, 0) as {{ customer_segmentation.money_type() }}) as holdout_revenue
    from calibration
    left join holdout
        on calibration.customer_id = holdout.customer_id

)

select * from final
