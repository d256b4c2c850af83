# The two halves of the DanceTrack val and SportsMOT train sequences of ../shared/data that every fold script splits
# on (sourced by tools/real_folds.sh and tools/recipe_folds.sh, so that both score the same folds).
DT=$DATA/DanceTrack/val; SP=$DATA/SportsMOT/train
DA="dancetrack0005 dancetrack0007 dancetrack0010"; DB="dancetrack0014 dancetrack0018 dancetrack0025"
SA="v_-6Os86HzwCs_c001 v_1LwtoLPw2TU_c006 v_2j7kLB-vEEk_c001"; SB="v_4LXTUim5anY_c002 v_ApPxnw_Jffg_c001 v_HdiyOtliFiw_c003"
