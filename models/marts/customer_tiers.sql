{%- set profitability_weights = customer_segmentation.weights_var(
    'tier_profitability_weights', ['revenue_per_active_month', 'margin_per_active_month', 'margin_rate']) -%}
{%- set adherence_weights = customer_segmentation.weights_var(
    'tier_adherence_weights', ['active_months', 'orders_per_active_month', 'distinct_products', 'recency', 'tenure']) -%}
{%- set lookback_months = customer_segmentation.window_months_var('tier_lookback_months') -%}
{%- set profitability_threshold = customer_segmentation.non_negative_number_var('tier_profitability_threshold') -%}
{%- set adherence_threshold = customer_segmentation.non_negative_number_var('tier_adherence_threshold') -%}
{%- set churn_risk_days = customer_segmentation.non_negative_number_var('flag_churn_risk_days') -%}
{%- set warning_days = customer_segmentation.non_negative_number_var('flag_warning_days') -%}
{%- set xsell_min_active_months = customer_segmentation.non_negative_number_var('flag_xsell_min_active_months') -%}
{%- set expansion_min_profitability = customer_segmentation.non_negative_number_var(
    'flag_expansion_min_profitability') -%}
{%- set new_customer_months = customer_segmentation.non_negative_number_var('flag_new_customer_months') -%}

with

orders_to_date as (

    select * from {{ ref('int_orders_to_date') }}

),

accounts as (

    select * from {{ ref('stg_accounts') }}

),

as_of as (

    select * from {{ ref('int_as_of_date') }}

),

tier_definitions as (

    select * from {{ ref('tier_definitions') }}

),

flag_definitions as (

    select * from {{ ref('action_flag_definitions') }}

),

lookback_flagged_orders as (

    -- Revenue, margin, active months, orders and products share one window of their own,
    -- `tier_lookback_months`, and the margin needs every order's cost, so all five come from one pass over
    -- the orders rather than revenue from the window engine (whose revenue window is `value_window_months`).
    select
        orders_to_date.*,
        as_of.as_of_date,
        orders_to_date.order_date > {{ customer_segmentation.months_before('as_of.as_of_date', lookback_months) }}
            as is_in_lookback
    from orders_to_date
    cross join as_of

),

lifetime as (

    select
        customer_id,
        max(as_of_date) as as_of_date,
        min(case when status = 'completed' then order_date end) as first_order_date,
        max(case when status = 'completed' then order_date end) as last_order_date
    from lookback_flagged_orders
    group by customer_id

),

lookback_activity as (

    select
        customer_id,
        sum(amount) as revenue,
        -- A null cost is unknown, not zero: the margin is only known when every row has a cost.
        case when count(cost) = count(*) then sum(amount - cost) end as margin,
        count(
            distinct case
                when status = 'completed' then {{ customer_segmentation.period_start('order_date', 'month') }}
            end
        ) as active_months,
        sum(case when status = 'completed' then 1 else 0 end) as orders,
        count(distinct case when status = 'completed' then product_id end) as distinct_products
    from lookback_flagged_orders
    where is_in_lookback
    group by customer_id

),

account_counts as (

    select
        customer_id,
        count(*) as accounts
    from accounts
    group by customer_id

),

features as (

    select
        lifetime.customer_id,
        lifetime.as_of_date,
        lifetime.first_order_date,
        lifetime.last_order_date,
        cast(coalesce(lookback_activity.revenue, 0) as {{ customer_segmentation.money_type() }}) as revenue_12m,
        cast(
            case when lookback_activity.customer_id is null then 0 else lookback_activity.margin end
            as {{ customer_segmentation.money_type() }}
        ) as margin_12m,
        case
            when lookback_activity.customer_id is not null and lookback_activity.margin is null then 'revenue only'
            else 'revenue and margin'
        end as profitability_basis,
        cast(coalesce(lookback_activity.active_months, 0) as integer) as active_months,
        cast(coalesce(lookback_activity.orders, 0) as integer) as orders_12m,
        cast(coalesce(lookback_activity.distinct_products, 0) as integer) as distinct_products,
        cast(coalesce(account_counts.accounts, 0) as integer) as distinct_accounts,
        cast(
            {{ dbt.datediff('lifetime.last_order_date', 'lifetime.as_of_date', 'day') }}
            as integer
        ) as days_since_last_order,
        cast(
            {{ dbt.datediff('lifetime.first_order_date', 'lifetime.as_of_date', 'day') }}
            as integer
        ) as tenure_days
    from lifetime
    left join lookback_activity
        on lifetime.customer_id = lookback_activity.customer_id
    left join account_counts
        on lifetime.customer_id = account_counts.customer_id
    -- Only customers with a completed order are scored, the same population as the RFM models.
    where lifetime.first_order_date is not null

),

normalised as (

    -- Dividing by active months keeps a customer active for six months comparable with one active for twelve.
    -- In doubles on every engine, each one correctly rounded division of exact operands (whole cents as
    -- bigint, exactly representable), so equal ratios are equal doubles and the ranks below order the same
    -- values the same way everywhere; a double converted from a wide decimal is not always the nearest one.
    select
        *,
        (
            cast(cast(revenue_12m * 100 as bigint) as {{ dbt.type_float() }})
            / (100 * case when active_months > 0 then active_months else 1 end)
        ) as revenue_per_active_month,
        -- Null with an unknown margin (see profitability_basis).
        (
            cast(cast(margin_12m * 100 as bigint) as {{ dbt.type_float() }})
            / (100 * case when active_months > 0 then active_months else 1 end)
        ) as margin_per_active_month,
        case
            when margin_12m is null then null
            when revenue_12m > 0
                then cast(cast(margin_12m * 100 as bigint) as {{ dbt.type_float() }})
                    / cast(cast(revenue_12m * 100 as bigint) as {{ dbt.type_float() }})
            else 0
        end as margin_rate,
        cast(orders_12m as {{ dbt.type_float() }}) / case when active_months > 0 then active_months else 1 end
            as orders_per_active_month
    from features

),

ranked as (

    -- Percentile ranks as whole-number numerators over rank_steps (percent_rank = (rank - 1) / (n - 1)), so the
    -- weighted scores below are exact fractions, rounded the same way on every engine (doubles are not).
    select
        *,
        -- Profitability is ranked among customers with the same basis: with known costs on revenue and
        -- margin, with unknown costs on revenue alone (their margin ranks are never used). With every cost
        -- known there is one group, and the ranks are those over everyone.
        {{ customer_segmentation.percentile_steps('revenue_per_active_month', partition_by='profitability_basis') }}
            as revenue_per_active_month_profitability_rank,
        {{ customer_segmentation.percentile_steps('margin_per_active_month', partition_by='profitability_basis') }}
            as margin_per_active_month_profitability_rank,
        {{ customer_segmentation.percentile_steps('margin_rate', partition_by='profitability_basis') }}
            as margin_rate_profitability_rank,
        {{ customer_segmentation.percentile_rank_steps(partition_by='profitability_basis') }}
            as profitability_rank_steps,
        {{ customer_segmentation.percentile_steps('active_months') }} as active_months_rank,
        {{ customer_segmentation.percentile_steps('orders_per_active_month') }} as orders_per_active_month_rank,
        {{ customer_segmentation.percentile_steps('distinct_products') }} as distinct_products_rank,
        -- Fewer days since the last order is better, so recency enters inverted.
        {{ customer_segmentation.percentile_steps('days_since_last_order', inverted=true) }} as recency_rank,
        {{ customer_segmentation.percentile_steps('tenure_days') }} as tenure_rank,
        {{ customer_segmentation.percentile_rank_steps() }} as rank_steps
    from normalised

),

scored as (

    select
        *,
        case
            when profitability_basis = 'revenue only' then {{ customer_segmentation.weighted_percentile_score(
                {'revenue_per_active_month': 1}, 'profitability_rank_steps', '_profitability_rank') }}
            else {{ customer_segmentation.weighted_percentile_score(
                profitability_weights, 'profitability_rank_steps', '_profitability_rank') }}
        end as profitability_score,
        {{ customer_segmentation.weighted_percentile_score(adherence_weights) }} as adherence_score
    from ranked

),

tiered as (

    select
        *,
        case
            when profitability_score >= {{ profitability_threshold }}
                and adherence_score >= {{ adherence_threshold }} then 'A'
            when profitability_score >= {{ profitability_threshold }} then 'B'
            when adherence_score >= {{ adherence_threshold }} then 'C'
            else 'D'
        end as tier,
        -- The first flag that applies wins.
        case
            when days_since_last_order >= {{ churn_risk_days }} then 'CHURN RISK'
            when days_since_last_order >= {{ warning_days }} then 'WARNING'
            when active_months >= {{ xsell_min_active_months }}
                and distinct_products = 1 then 'OPPORTUNITY: Xsell'
            when profitability_score >= {{ expansion_min_profitability }}
                and distinct_accounts = 1 then 'OPPORTUNITY: Expansion'
            when first_order_date > {{ customer_segmentation.months_before('as_of_date', new_customer_months) }}
                then 'NEW'
            else 'REGULAR'
        end as action_flag
    from scored

),

final as (

    select
        tiered.customer_id,
        tiered.as_of_date,
        tiered.first_order_date,
        tiered.last_order_date,
        tiered.revenue_12m,
        tiered.margin_12m,
        tiered.active_months,
        tiered.orders_12m,
        tiered.distinct_products,
        tiered.distinct_accounts,
        tiered.days_since_last_order,
        tiered.tenure_days,
        tiered.profitability_score,
        tiered.profitability_basis,
        tiered.adherence_score,
        tiered.tier,
        tier_definitions.tier_name,
        tiered.action_flag,
        flag_definitions.recommended_action as flag_action
    from tiered
    left join tier_definitions
        on tiered.tier = tier_definitions.tier
    left join flag_definitions
        on tiered.action_flag = flag_definitions.action_flag

)

select * from final
