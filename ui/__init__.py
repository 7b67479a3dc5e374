"""The Streamlit page of digitpad: Streamlit only, over the `digitpad` library."""
