DROP TABLE commendations;
DROP TABLE commendation_decisions;
DROP TABLE commendation_adjustments;
