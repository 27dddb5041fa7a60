DROP TABLE commendations;
DROP TABLE commendation_decisions;
DROP TABLE commendation_adjustments;
DROP FUNCTION gongzhi_commendation_only_revoke();
DROP FUNCTION gongzhi_commendation_adjustments_frozen();
DROP FUNCTION gongzhi_commendation_immutable();
