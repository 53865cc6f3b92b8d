-- The floor: writing the model's rows and columns again, with no computation.
create or replace table $table as
select * from $model
