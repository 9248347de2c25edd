"""Recorded test data: code quoted from MindSpore's documentation and what MindSpore 2.10 printed."""
