"""Pictures, videos and texts the sandbox draws: shared drawing (drawing.py, compose.py,
texts.py) and the result files of ImaginePro sandbox jobs (files.py names them, inputs.py
fetches and stores input images, outputs.py draws and stores results, video.py the frames
of a video)."""
