"""Break-glass (nødadgang): justified, time-boxed emergency episodes, reviewed by the DPO."""
