"""viz: pictures and JupyterLab widgets drawn from the Trace a gradient call leaves behind.

``draw_graph`` (graphviz SVG, displays on its own), ``frames`` (the backward pass step by step),
``heatmap`` (matplotlib), and the widgets: ``graph_widget``, ``flow_widget``, ``sensitivity`` and
``explore``, which composes them for any network and inputs, one module each; the sensitivity
explorer's calls and numbers are a plain model, ``SensitivityModel``. viz reads only the Trace. Every
failure to draw a graph is a ``GraphRenderError`` (a RuntimeError) with a readable message.
"""
from .flow import EdgeFlow, Frame, frames
from .graph import GraphView, build_digraph, draw_graph, render_svg
from .render import INSTALL_HINT, GraphRenderError, GraphTooLarge, GraphvizNotFound
from .plots import HeatmapPanel, heatmap
from .explorer import Explorer, explore
from .flow_widget import FlowWidget, flow_widget
from .graph_widget import GraphWidget, graph_widget
from .sens_model import DOCUMENT_SENS, SensitivityModel
from .sens_widget import SensitivityExplorer, sensitivity

__all__ = ["draw_graph", "render_svg", "build_digraph", "GraphView", "GraphRenderError", "GraphTooLarge",
           "GraphvizNotFound", "INSTALL_HINT",
           "frames", "Frame", "EdgeFlow", "heatmap", "HeatmapPanel", "explore", "Explorer", "GraphWidget",
           "FlowWidget", "SensitivityExplorer", "graph_widget", "flow_widget", "sensitivity", "DOCUMENT_SENS",
           "SensitivityModel"]
