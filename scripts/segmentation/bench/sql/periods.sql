-- The monthly snapshots as the model defines them: from the month of the first completed order to the
-- month of the data's as-of date (the latest staged order date); the newest, unfinished month is cut at that
-- date, and each window starts $window_months months before its as-of date (an order on that day is outside).
periods as (

    select
        cast(month_start + interval 1 month - interval 1 day as date) as snapshot_date,
        least(
            cast(month_start + interval 1 month - interval 1 day as date),
            (select max(order_date) from stg_orders)
        ) as as_of_date,
        cast(
            least(
                cast(month_start + interval 1 month - interval 1 day as date),
                (select max(order_date) from stg_orders)
            ) - interval $window_months month as date
        ) as window_start_date
    from range(
        (select date_trunc('month', min(order_date)) from stg_orders where status = 'completed'),
        (select date_trunc('month', max(order_date)) + interval 1 month from stg_orders),
        interval 1 month
    ) as months (month_start)

)
