"""The MP's mandate in the open: agenda of meetings, consultations on bills, citizen amendments."""
