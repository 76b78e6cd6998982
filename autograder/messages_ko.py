"""Korean forms of the messages students get back (``c.StudentFeedback.language = "ko"``).

Keys are the English templates exactly as :func:`autograder.messages.tr` receives them,
values their Korean form with the same ``{placeholders}`` (format specs included). Code names
stay code; terms follow the course glossary (``glossary.md``). A unit test checks that every
template used in ``autograder/`` has an entry here and that the placeholders agree.
"""

from __future__ import annotations

__all__ = ["KO"]

KO: dict[str, str] = {
    # -- the feedback page (autograder/feedback.py and its template) -------------------------
    "Score": "점수",
    "written answer": "서술형 답안",
    "code answer": "코드 답안",
    "task": "과제",
    "test": "테스트",
    "point": "점",
    "points": "점",
    "Comment on": "코멘트:",
    "Late submission penalty": "지각 제출 감점",
    "Student's answer": "학생 답안",
    "Student's task": "학생 과제",
    "Grade cell:": "채점 셀:",
    "Task:": "과제:",
    "(Top)": "(맨 위로)",
    "Comments:": "코멘트:",
    "Hints of the visible test": "공개 테스트의 힌트",
    "run it in Jupyter to see which applies": (
        "Jupyter에서 테스트를 실행하면 어느 힌트에 해당하는지 알 수 있습니다"
    ),
    "(Part of this traceback is not shown: it would quote the hidden tests.)": (
        "(트레이스백의 일부는 숨긴 테스트를 인용하게 되므로 보여 주지 않습니다.)"
    ),
    "Stopped while grading: this cell uses {module}, which is not available while "
    "this assignment is graded. The cell is not graded, so this costs no points.": (
        "채점하는 동안 멈췄습니다: 이 셀은 {module}을(를) 쓰는데, 이 과제를 채점할 때는 "
        "그 모듈을 쓸 수 없습니다. 채점하는 셀이 아니므로 감점은 없습니다."
    ),
    "This cell stopped while grading with {error}. It is not graded, so this costs "
    "no points by itself (only parts that need something it defines).": (
        "채점하는 동안 이 셀이 오류로 멈췄습니다: {error}. 채점하는 셀이 아니므로 이 셀 "
        "때문에 감점되지는 않습니다 (이 셀에서 정의하는 것이 필요한 부분만 점수를 잃습니다)."
    ),
    "This cell (id:{cell_id}) was missing from the submission. It was added "
    "back by nbgrader.\n\n": (
        "이 셀(id:{cell_id})이 제출물에 없어서 nbgrader가 다시 넣었습니다.\n\n"
    ),
    # -- the generic helpers (autograder/checks/__init__.py) ---------------------------------
    "{name} is not defined in the notebook (a def or class named {name})": (
        "노트북에 {name}이(가) 정의되어 있지 않습니다 (이름이 {name}인 def 또는 class가 "
        "있어야 합니다)"
    ),
    " (the sandbox's memory limit is {mb} MB)": " (채점 환경의 메모리 한도는 {mb} MB입니다)",
    "{name} must be written in the notebook with def or class, not imported": (
        "{name}은(는) import하지 말고 노트북에서 def 또는 class로 직접 작성해야 합니다"
    ),
    "{name} must be written in the notebook with def, class or lambda, not taken from "
    "another object": (
        "{name}은(는) 다른 객체에서 가져오지 말고 노트북에서 def, class 또는 lambda로 직접 "
        "작성해야 합니다"
    ),
    "{name} uses {bad} from {where}: write it yourself": (
        "{name}이(가) {where}의 {bad}을(를) 사용합니다: 직접 작성해야 합니다"
    ),
    "{what} should be a NumPy array, got a {kind} object": (
        "{what}: NumPy 배열이어야 하는데 {kind} 객체입니다"
    ),
    "{what} should be an array of numbers, got a {kind}": (
        "{what}: 숫자 배열이어야 하는데 {kind}입니다"
    ),
    "{what} is None: did you forget to return (or set) it?": (
        "{what}이(가) None입니다: return(또는 속성 설정)을 빠뜨리지 않았습니까?"
    ),
    "{what} should have shape {shape}, got {got}": (
        "{what}: 형상이 {shape}이어야 하는데 {got}입니다"
    ),
    "{what} contains nan or inf": "{what}에 nan 또는 inf가 들어 있습니다",
    "{what} is wrong: at index {index} it is {actual:.6g}, expected {expected:.6g}": (
        "{what}: 값이 틀렸습니다. 인덱스 {index}의 값이 {actual:.6g}인데, "
        "{expected:.6g}이어야 합니다"
    ),
    "{what} disagrees with the numerical gradient (relative error {err:.1e} > {tol:g})": (
        "{what}: 수치 미분으로 구한 기울기와 다릅니다 (상대 오차 {err:.1e} > {tol:g})"
    ),
    "{what} was replaced by something else": "{what}이(가) 다른 객체로 바뀌었습니다",
    "{what} was modified: compute a new array instead of writing into it": (
        "{what}이(가) 바뀌었습니다: 입력 배열에 값을 쓰지 말고 새 배열을 계산해야 합니다"
    ),
    "dout given to {name}.backward": "{name}.backward에 전달한 dout",
    "{grad} of {name}.backward": "{name}.backward의 {grad}",
    "{grad} of {name}": "{name}의 {grad}",
    "the input of {name}": "{name}의 입력",
    "the output of {name}": "{name}의 출력",
    "{arg} given to {name}": "{name}에 전달한 {arg}",
    "the labels given to {name}": "{name}에 전달한 레이블",
    "the scores given to {name}": "{name}에 전달한 점수",
    # -- the sandbox (autograder/sandbox/) ----------------------------------------------------
    "{label} raised {error}": "{label} 호출 중 오류가 발생했습니다: {error}",
    "{label} raised {error} in {where}": (
        "{label} 호출 중 {where}에서 오류가 발생했습니다: {error}"
    ),
    "an error": "알 수 없는 오류",
    "{name} is not defined{why}": "{name}이(가) 정의되어 있지 않습니다{why}",
    ": define it in the notebook, with this exact name": (
        ": 노트북에서 정확히 이 이름으로 정의해야 합니다"
    ),
    " (cell {cell_id} stopped with {error})": " (셀 {cell_id}이(가) 오류로 멈췄습니다: {error})",
    "{label} did not answer within {seconds:g} s (an endless loop, or far too slow)": (
        "{label}이(가) {seconds:g}초 안에 끝나지 않았습니다 (무한 루프이거나 너무 느립니다)"
    ),
    "{label}: {err}": "{label}: {err}",
    "calling {label}": "{label}을(를) 호출하는",
    "starting Python": "Python을 시작하는",
    "running the cells": "셀을 실행하는",
    "no answer within the time limit while {what}": "{what} 동안 제한 시간 안에 응답이 없었습니다",
    "{label} returned an array of dtype {dtype}, not numbers": (
        "{label}이(가) 숫자가 아닌 dtype {dtype}의 배열을 반환했습니다"
    ),
    "{label} returned an array of shape {shape}: far too large": (
        "{label}이(가) 형상 {shape}의 배열을 반환했습니다: 너무 큽니다"
    ),
    "{label} returned a structure nested too deeply": (
        "{label}이(가) 너무 깊이 중첩된 구조를 반환했습니다"
    ),
    "{label}: the runner sent a damaged array ({err})": (
        "{label}: 실행 프로세스가 손상된 배열을 보냈습니다 ({err})"
    ),
    "{label}: the runner sent an array of the wrong size": (
        "{label}: 실행 프로세스가 크기가 맞지 않는 배열을 보냈습니다"
    ),
    "{label} belongs to a runner that has ended": (
        "{label}은(는) 이미 끝난 실행 프로세스의 것입니다"
    ),
    "the runner sent a damaged message": "실행 프로세스가 손상된 메시지를 보냈습니다",
    "the runner sent {err}": "실행 프로세스가 잘못된 데이터를 보냈습니다: {err}",
    "the runner sent an event for an unknown cell": (
        "실행 프로세스가 알 수 없는 셀에 대한 이벤트를 보냈습니다"
    ),
    "the runner stopped reading": "실행 프로세스가 입력을 더 읽지 않습니다",
    "the sandbox is not running": "샌드박스가 실행 중이 아닙니다",
    "the sandbox did not start: {err}{detail}": "샌드박스가 시작되지 않았습니다: {err}{detail}",
    "the submission used up its {seconds:g} s in total": (
        "제출물이 전체 제한 시간 {seconds:g}초를 모두 썼습니다"
    ),
    "the notebook kept ending its Python process; gave up": (
        "노트북이 Python 프로세스를 계속 종료시켜 채점을 중단했습니다"
    ),
    "the submission ran out of time while it ran": (
        "이 셀을 실행하는 동안 제출물의 제한 시간이 끝났습니다"
    ),
    "it ran longer than {seconds:g} s": "{seconds:g}초보다 오래 실행되었습니다",
    "it ran out of memory (the limit is {mb} MB)": "메모리가 부족했습니다 (제한은 {mb} MB입니다)",
    "the student's Python process ended: {reason}": (
        "학생 코드의 Python 프로세스가 끝났습니다: {reason}"
    ),
    "it did not start": "시작되지 않았습니다",
    "it printed more than {mb} MB": "{mb} MB가 넘게 출력했습니다",
    "it stopped answering": "응답을 멈췄습니다",
    "it used more than {seconds} s of CPU time": "CPU 시간을 {seconds}초 넘게 썼습니다",
    "it wrote a file larger than {mb} MB": "{mb} MB보다 큰 파일을 썼습니다",
    "it was killed (SIGKILL: out of memory or stopped by the grader)": (
        "강제 종료되었습니다 (SIGKILL: 메모리 부족 또는 채점기가 중단)"
    ),
    "it was killed by {name} (a crash)": "{name} 신호로 종료되었습니다 (비정상 종료)",
    "the Python process exited with code {code} (sys.exit or os._exit in the code?)": (
        "Python 프로세스가 종료 코드 {code}로 끝났습니다 (코드에 sys.exit 또는 os._exit가 "
        "있지 않습니까?)"
    ),
    "passed": "통과",
    "not checked: {reason}": "확인하지 못했습니다: {reason}",
    "the check could not use what the code returned: {error}{where}": (
        "코드가 반환한 값으로 확인을 진행할 수 없었습니다: {error}{where}"
    ),
    "{message} (`{name}` exists in your notebook only because a test cell sets it; when "
    "the notebook is graded your cells run without the test cells, so use the arguments "
    "your code receives, or define what it needs in your own cells)": (
        "{message} (`{name}`은(는) 테스트 셀이 만들어 주기 때문에 노트북에 있을 뿐입니다. "
        "채점할 때는 테스트 셀 없이 여러분의 셀만 실행되므로, 코드가 받는 인수를 쓰거나 "
        "필요한 것을 여러분의 셀에서 직접 정의해야 합니다)"
    ),
    "{module} is not available while {assignment} is graded: write this code "
    "yourself in the notebook": (
        "{module}은(는) {assignment}을(를) 채점하는 동안 쓸 수 없습니다: 이 코드는 노트북에서 "
        "직접 작성해야 합니다"
    ),
    # -- 01_loss_functions ---------------------------------------------------------------------
    "{what} should be one number (a float), got an array of shape {shape}": (
        "{what}: 수 하나(float)여야 하는데 형상이 {shape}인 배열입니다"
    ),
    "{what} is {value:.6g}, expected {expected:.6g}": (
        "{what}: 값이 {value:.6g}인데, {expected:.6g}이어야 합니다"
    ),
    "softmax of a (2, 3) batch": "(2, 3) 배치의 softmax",
    "softmax of a (2, 3) batch: each row must sum to 1 (normalise over the last "
    "axis), got row sums {sums}": (
        "(2, 3) 배치의 softmax: 각 행의 합이 1이어야 합니다 (마지막 축으로 정규화해야 "
        "합니다). 각 행의 합은 {sums}입니다"
    ),
    "softmax of a (2, 3) batch (every row is its own sample)": (
        "(2, 3) 배치의 softmax (각 행이 하나의 샘플입니다)"
    ),
    "softmax of a random {shape} array": "형상이 {shape}인 무작위 배열의 softmax",
    "softmax of one sample": "샘플 하나의 softmax",
    "softmax of a (4, 6) batch": "(4, 6) 배치의 softmax",
    "softmax of a 1-D sample compared with the same row of a batch": (
        "1차원 샘플의 softmax와 배치에서 같은 행의 softmax 비교"
    ),
    "subtract the largest score of each sample (axis=-1, keepdims=True) first": (
        "먼저 각 샘플에서 가장 큰 점수를 빼야 합니다 (axis=-1, keepdims=True)"
    ),
    "{what} contains nan or inf (an overflow in exp): {hint}": (
        "{what}에 nan 또는 inf가 들어 있습니다 (exp의 오버플로): {hint}"
    ),
    "softmax of scores around 1e4": "1e4 근처 점수의 softmax",
    "softmax of scores around 700": "700 근처 점수의 softmax",
    "softmax(x + 700), which must equal softmax(x),": (
        "softmax(x + 700)(softmax(x)와 같아야 합니다)"
    ),
    "softmax of a batch whose rows have very different scales": (
        "행마다 크기가 매우 다른 배치의 softmax"
    ),
    "mean_squared_error of one 10-class sample": "10개 클래스 샘플 하나의 mean_squared_error",
    "mean_squared_error of a random ({n}, {k}) batch (the mean over the samples)": (
        "무작위 ({n}, {k}) 배치의 mean_squared_error (샘플에 대한 평균)"
    ),
    "mean_squared_error of a random 1-D sample": "무작위 1차원 샘플의 mean_squared_error",
    "mean_squared_error must raise ValueError when y has shape {y_shape} "
    "and t has shape {t_shape} (different shapes)": (
        "y의 형상이 {y_shape}이고 t의 형상이 {t_shape}이면(형상이 다르면) "
        "mean_squared_error가 ValueError를 발생시켜야 합니다"
    ),
    "cross_entropy_error of one sample with a one-hot target": (
        "원-핫 정답 레이블을 받은 샘플 하나의 cross_entropy_error"
    ),
    "cross_entropy_error of a random ({n}, {k}) batch with one-hot targets": (
        "원-핫 정답 레이블을 받은 무작위 ({n}, {k}) 배치의 cross_entropy_error"
    ),
    "cross_entropy_error of a 1-D sample": "1차원 샘플의 cross_entropy_error",
    "cross_entropy_error of a batch of one sample": "샘플 하나짜리 배치의 cross_entropy_error",
    "cross_entropy_error of a 1-D sample is {single:.6g} but {one:.6g} for the same "
    "sample as a batch of one: they must agree": (
        "1차원 샘플의 cross_entropy_error는 {single:.6g}인데 같은 샘플을 샘플 하나짜리 "
        "배치로 주면 {one:.6g}입니다: 두 값이 같아야 합니다"
    ),
    "cross_entropy_error of one sample with the label 2": (
        "레이블 2를 받은 샘플 하나의 cross_entropy_error"
    ),
    "cross_entropy_error of a random ({n}, {k}) batch with {kind} labels": (
        "{kind} 레이블을 받은 무작위 ({n}, {k}) 배치의 cross_entropy_error"
    ),
    "cross_entropy_error of a 1-D sample with an integer label": (
        "정수 레이블을 받은 1차원 샘플의 cross_entropy_error"
    ),
    "add delta = 1e-7 inside the log, so that there is no log(0)": (
        "log(0)이 되지 않도록 log 안에 delta = 1e-7을 더해야 합니다"
    ),
    "a one-hot target": "원-핫 정답 레이블",
    "labels": "레이블",
    "one-hot targets": "원-핫 정답 레이블",
    "one-hot targets in a batch": "배치의 원-핫 정답 레이블",
    "cross_entropy_error when the correct class has probability 0 ({kind})": (
        "정답 클래스의 확률이 0일 때의 cross_entropy_error ({kind})"
    ),
    "{what} is {value}, not a finite number: {hint}": (
        "{what}: 값이 {value}로 유한한 수가 아닙니다: {hint}"
    ),
    "cross_entropy_error of a perfect prediction ([0, 1, 0] with the label 1)": (
        "완벽한 예측([0, 1, 0]과 레이블 1)의 cross_entropy_error"
    ),
    "{what} should be close to 0, got {value:.3g}": "{what}: 0에 가까워야 하는데 {value:.3g}입니다",
    # -- 02_numerical_gradient ------------------------------------------------------------------
    "{what} should be one number, got an array of shape {shape}": (
        "{what}: 수 하나여야 하는데 형상이 {shape}인 배열입니다"
    ),
    "{what} is {value:.10g}, expected {expected:.10g}": (
        "{what}: 값이 {value:.10g}인데, {expected:.10g}이어야 합니다"
    ),
    "numerical_diff of x**2 at 3": "x = 3에서 x**2의 numerical_diff",
    "numerical_diff of 0.01 x**2 + 0.1 x at 5": "x = 5에서 0.01 x**2 + 0.1 x의 numerical_diff",
    " (use the central difference (f(x + h) - f(x - h)) / (2 h))": (
        " (중심 차분 (f(x + h) - f(x - h)) / (2 h)를 써야 합니다)"
    ),
    "numerical_diff of a random cubic polynomial": "무작위 3차 다항식의 numerical_diff",
    "{what} with h=1e-3": "{what} (h=1e-3)",
    " (use the step h you are given)": " (인수로 받은 간격 h를 써야 합니다)",
    "numerical_diff of sin at {x:.3f}": "x = {x:.3f}에서 sin의 numerical_diff",
    "{what}: return a new array, not x itself": "{what}: x 자체가 아니라 새 배열을 반환해야 합니다",
    "numerical_gradient of sum(x**2) at [3, 4]": "[3, 4]에서 sum(x**2)의 numerical_gradient",
    "numerical_gradient of sum(x**2) at [0, 2]": "[0, 2]에서 sum(x**2)의 numerical_gradient",
    "numerical_gradient of a weighted sum of sin on a random 11-element vector": (
        "원소 11개인 무작위 벡터에서 sin 가중합의 numerical_gradient"
    ),
    "numerical_gradient of a quadratic function of a random 11-element vector": (
        "원소 11개인 무작위 벡터에서 2차 함수의 numerical_gradient"
    ),
    "numerical_gradient with h=1e-2 of a weighted sum of cubes (use the step h you are given)": (
        "h=1e-2로 구한 세제곱 가중합의 numerical_gradient (인수로 받은 간격 h를 써야 합니다)"
    ),
    "numerical_gradient of sum(x**2) for a (2, 3) array": (
        "(2, 3) 배열에 대한 sum(x**2)의 numerical_gradient"
    ),
    "numerical_gradient of a weighted sum of cubes for a random {shape} array": (
        "형상이 {shape}인 무작위 배열에 대한 세제곱 가중합의 numerical_gradient"
    ),
    "numerical_gradient of a quadratic function of a random {shape} array": (
        "형상이 {shape}인 무작위 배열에 대한 2차 함수의 numerical_gradient"
    ),
    "numerical_gradient replaced x by something else": (
        "numerical_gradient가 x를 다른 객체로 바꿨습니다"
    ),
    "numerical_gradient changed {changed} of the {size} elements of a {shape} x: "
    "save each original value and write it back, instead of adding and subtracting h": (
        "numerical_gradient가 형상 {shape}인 x의 원소 {size}개 중 {changed}개를 바꿨습니다: "
        "h를 더했다 빼는 대신 원래 값을 저장해 두었다가 다시 써넣어야 합니다"
    ),
    "gradient_descent of x0**2 + x1**2 from [-3, 4] with lr=0.1": (
        "[-3, 4]에서 시작해 lr=0.1로 x0**2 + x1**2에 적용한 gradient_descent"
    ),
    "{what}, 100 steps": "{what}, 100단계",
    "{what}, 100 steps (the minimum [0, 0])": "{what}, 100단계 (최솟값 [0, 0])",
    "{what}, one step": "{what}, 1단계",
    "gradient_descent of sum(a * x**2) from a random (2, 3) point ({steps} steps)": (
        "무작위 (2, 3) 점에서 시작해 sum(a * x**2)에 적용한 gradient_descent ({steps}단계)"
    ),
    "gradient_descent of a quadratic function from a random point ({steps} steps)": (
        "무작위 점에서 시작해 2차 함수에 적용한 gradient_descent ({steps}단계)"
    ),
    "gradient_descent with step_num=0 (the starting point must come back)": (
        "step_num=0인 gradient_descent (시작점이 그대로 반환되어야 합니다)"
    ),
    "the result of gradient_descent": "gradient_descent의 결과",
    "gradient_descent moved the caller's init_x: work on a copy "
    "(x = np.array(init_x, dtype=float)), and return that": (
        "gradient_descent가 호출한 쪽의 init_x를 바꿨습니다: 복사본"
        "(x = np.array(init_x, dtype=float))으로 계산하고 그것을 반환해야 합니다"
    ),
    # -- 03_backprop ----------------------------------------------------------------------------
    "{what} should return two values (dx, dy)": "{what}은(는) 두 값 (dx, dy)를 반환해야 합니다",
    "{name} on arrays": "배열에 대한 {name}",
    "{name} on a {shape} array": "형상이 {shape}인 배열에 대한 {name}",
    "{name} on an input of shape {shape}": "형상이 {shape}인 입력에 대한 {name}",
    "{grad} of {name}.backward for an input of shape {shape}": (
        "형상이 {shape}인 입력에 대한 {name}.backward의 {grad}"
    ),
    "{name} with {kind}": "{name} ({kind})",
    "{name} on large scores (x 500)": "큰 점수(x 500)에 대한 {name}",
    ": compute log-probabilities with log-sum-exp, not log(softmax(x) + 1e-7)": (
        ": log(softmax(x) + 1e-7)이 아니라 log-sum-exp로 로그 확률을 계산해야 합니다"
    ),
    "{grad} of {name}.backward for N={n}, K={k} with {kind}": (
        "{name}.backward의 {grad} (N={n}, K={k}, {kind})"
    ),
    "{grad} of {name}.backward({dout}) (the gradient times dout) for N={n}, K={k} with {kind}": (
        "{name}.backward({dout})의 {grad} (기울기에 dout을 곱한 값, N={n}, K={k}, {kind})"
    ),
    # -- 04_optimizers ---------------------------------------------------------------------------
    "{what} should keep the keys {keys} and nothing else": (
        "{what}: 키 {keys}만 그대로 있어야 합니다"
    ),
    " of size ~{scale:g}": " (크기 약 {scale:g})",
    "{name}.update replaced grads by something else": (
        "{name}.update가 grads를 다른 객체로 바꿨습니다"
    ),
    "params after step {step} of {name}": "{name}의 {step}단계 후 params",
    "{name}.update left params as they were at step {step}: change the arrays "
    "in params in place (params[key] -= ...); a returned value is not used": (
        "{name}.update가 {step}단계에서 params를 바꾸지 않았습니다: params의 배열을 제자리에서 "
        "바꿔야 합니다 (params[key] -= ...). 반환값은 쓰이지 않습니다"
    ),
    "{call}: {param} after step {step} on random gradients{sizes}": (
        "{call}: 무작위 기울기{sizes}로 {step}단계 후의 {param}"
    ),
    "the arrays given to update": "update에 전달한 배열",
    "{name}.update must change the array {param} in place "
    "({param} -= ...), not replace it with a new array: the layers "
    "of a network hold the original arrays and would never see the update": (
        "{name}.update는 배열 {param}을(를) 새 배열로 바꾸지 말고 제자리에서 바꿔야 합니다 "
        "({param} -= ...): 신경망의 계층은 원래 배열을 가지고 있어서 갱신된 값을 보지 못합니다"
    ),
    "{call} in training": "학습 중의 {call}",
    "{what}: kept units must pass through unchanged (x * mask)": (
        "{what}: 남긴 뉴런의 값은 그대로 통과해야 합니다 (x * mask)"
    ),
    "{what} dropped {dropped:.1%} of the units; dropout_ratio={ratio} should "
    "drop about {ratio:.0%} (keep units where rng.random(x.shape) > dropout_ratio)": (
        "{what}: 뉴런의 {dropped:.1%}를 삭제했습니다. dropout_ratio={ratio}이면 약 "
        "{ratio:.0%}를 삭제해야 합니다 (rng.random(x.shape) > dropout_ratio인 뉴런을 남깁니다)"
    ),
    "two Dropout layers given generators with the same seed drew different masks: "
    "draw the mask from self.rng only": (
        "같은 시드의 생성기를 받은 두 Dropout 계층이 서로 다른 마스크를 만들었습니다: "
        "마스크는 self.rng로만 뽑아야 합니다"
    ),
    "Dropout layers given generators with different seeds drew the same mask": (
        "서로 다른 시드의 생성기를 받은 Dropout 계층들이 같은 마스크를 만들었습니다"
    ),
    "each training forward pass of Dropout must draw a new mask": (
        "Dropout은 학습 중 순전파를 할 때마다 새 마스크를 뽑아야 합니다"
    ),
    "Dropout used NumPy's global random state (np.random.rand or similar): draw the "
    "mask from the generator self.rng": (
        "Dropout이 NumPy의 전역 난수 상태(np.random.rand 등)를 사용했습니다: 마스크는 "
        "생성기 self.rng로 뽑아야 합니다"
    ),
    "{call} for an input of shape {shape}": "형상이 {shape}인 입력에 대한 {call}",
    "{what} (dout where the last forward pass kept the unit, 0 where it dropped it)": (
        "{what} (마지막 순전파에서 남긴 뉴런은 dout, 삭제한 뉴런은 0)"
    ),
    " (did you include the paths through the batch mean and variance?)": (
        " (배치의 평균과 분산을 거치는 경로도 포함했습니까?)"
    ),
    # -- 05_cnn --------------------------------------------------------------------------------
    "{what} should return a NumPy array, got a {kind}": (
        "{what}은(는) NumPy 배열을 반환해야 하는데 {kind}을(를) 반환했습니다"
    ),
    "{what} must keep the dtype: float32 in, float32 out (got {dtype})": (
        "{what}은(는) dtype을 유지해야 합니다: float32가 들어오면 float32로 내보내야 합니다 "
        "({dtype}입니다)"
    ),
    "im2col of an input of shape {shape} with {fh}x{fw} filters, {setting}": (
        "형상이 {shape}인 입력과 {fh}x{fw} 필터, {setting}의 im2col"
    ),
    "im2col of arange(16) in 2x2 windows with stride 2": (
        "arange(16)을 2x2 윈도, 스트라이드 2로 펼친 im2col"
    ),
    "{what} (rows: windows; columns: dy, dx)": "{what} (행: 윈도, 열: dy, dx)",
    "im2col of arange(16) in 3x3 windows with pad 1": "arange(16)을 3x3 윈도, 패딩 1로 펼친 im2col",
    "{what} (padding with zeros)": "{what} (0으로 패딩)",
    "im2col of a two-channel image": "채널이 2개인 이미지의 im2col",
    "{what} (columns go channel by channel: c, dy, dx)": "{what} (열은 채널 순서: c, dy, dx)",
    "im2col of shape {shape} with {fh}x{fw} filters, {setting}": (
        "형상 {shape}, {fh}x{fw} 필터, {setting}의 im2col"
    ),
    "col2im without overlapping windows (2x2, stride 2)": (
        "윈도가 겹치지 않는 col2im (2x2, 스트라이드 2)"
    ),
    "{what}: every value goes back to its place": "{what}: 모든 값이 제자리로 돌아가야 합니다",
    "col2im of ones with overlapping 2x2 windows (stride 1)": (
        "겹치는 2x2 윈도(스트라이드 1)로 1을 되돌린 col2im"
    ),
    "{what} (it must count the windows covering each pixel: add with +=, do not overwrite)": (
        "{what} (각 픽셀을 덮는 윈도의 개수가 나와야 합니다: 덮어쓰지 말고 +=로 더해야 합니다)"
    ),
    "col2im to shape {shape} with {fh}x{fw} filters, {setting}": (
        "형상 {shape}, {fh}x{fw} 필터, {setting}로 되돌린 col2im"
    ),
    " (where windows overlap, their values must be summed)": (
        " (윈도가 겹치는 곳에서는 값을 더해야 합니다)"
    ),
    "x of shape {x_shape}, W of shape {w_shape}, {setting}": (
        "형상 {x_shape}인 x, 형상 {w_shape}인 W, {setting}"
    ),
    "{name} for {case}": "{name} ({case})",
    "a 1x1 convolution with identity filters": "항등 필터를 쓴 1x1 합성곱",
    "{what} must return the input plus the bias per channel "
    "(mind the axis order of the output: (N, FN, out_h, out_w))": (
        "{what}은(는) 입력에 채널별 편향을 더한 값을 반환해야 합니다 "
        "(출력의 축 순서 (N, FN, out_h, out_w)에 주의해야 합니다)"
    ),
    "x of shape {shape}, {ph}x{pw} windows, stride {stride}": (
        "형상 {shape}인 x, {ph}x{pw} 윈도, 스트라이드 {stride}"
    ),
    "2x2 pooling with stride 2 of arange(32) in shape (1, 2, 4, 4)": (
        "형상 (1, 2, 4, 4)인 arange(32)에 스트라이드 2로 적용한 2x2 풀링"
    ),
    "{what}: expected the maximum of each window": "{what}: 각 윈도의 최댓값이 나와야 합니다",
    "{what}: one entry per window in the order (N, out_h, out_w, C), each "
    "the position of the window's maximum, row by row (row * pool_w + "
    "column, the first of equal values)": (
        "{what}: 윈도마다 원소 하나가 (N, out_h, out_w, C) 순서로 있어야 하고, 각 원소는 "
        "윈도에서 최댓값의 위치를 행 우선으로 센 값(row * pool_w + column, 같은 값이 "
        "여럿이면 첫 번째)이어야 합니다"
    ),
    "dx of 2x2 pooling with stride 2 for dout = ones": (
        "dout이 모두 1일 때 스트라이드 2인 2x2 풀링의 dx"
    ),
    "{what}: the gradient must go to each window's maximum only": (
        "{what}: 기울기는 각 윈도의 최댓값 위치로만 전달되어야 합니다"
    ),
    " (overlapping windows add their gradients)": " (겹치는 윈도의 기울기는 더해집니다)",
    # -- 06_deep_learning ----------------------------------------------------------------------
    "augment must return an array of the input's shape {shape}, got {got}": (
        "augment는 입력과 같은 형상 {shape}의 배열을 반환해야 하는데 {got}입니다"
    ),
    "augment must keep the dtype {dtype} of {what}, got {got}": (
        "augment는 {what}의 dtype {dtype}을(를) 유지해야 하는데 {got}입니다"
    ),
    "float32 images": "float32 이미지",
    "float64 images": "float64 이미지",
    "augment must change the images": "augment는 이미지를 바꿔야 합니다",
    "augmented values must stay in [0, 1] (clip them)": (
        "확장한 이미지의 값은 [0, 1] 범위에 있어야 합니다 (clip을 써야 합니다)"
    ),
    "augment must take all its randomness from rng (same seed, same output)": (
        "augment는 모든 무작위성을 rng에서 얻어야 합니다 (시드가 같으면 출력도 같아야 합니다)"
    ),
    "different seeds must give different augmentations": "시드가 다르면 확장 결과도 달라야 합니다",
    "only {changed:.0%} of the images changed: augment most of them": (
        "이미지의 {changed:.0%}만 바뀌었습니다: 대부분의 이미지를 확장해야 합니다"
    ),
    "augmented images must stay close to the originals": "확장한 이미지는 원본과 비슷해야 합니다",
    "the global random state": "전역 난수 상태",
    "augment must not use the global np.random state: use rng": (
        "augment는 전역 np.random 상태를 쓰면 안 됩니다: rng를 써야 합니다"
    ),
    "augment must take all its randomness from rng, not np.random": (
        "augment는 모든 무작위성을 np.random이 아니라 rng에서 얻어야 합니다"
    ),
    "build_network must return a network object, got {kind}": (
        "build_network는 신경망 객체를 반환해야 하는데 {kind}을(를) 반환했습니다"
    ),
    "the network must have a params dict (names -> NumPy arrays)": (
        "신경망에 params 딕셔너리(이름 -> NumPy 배열)가 있어야 합니다"
    ),
    "{what} should be a NumPy array": "{what}은(는) NumPy 배열이어야 합니다",
    "write the network class yourself: {problem}": (
        "신경망 클래스를 직접 작성해야 합니다: {problem}"
    ),
    "the network must be an instance of a class written in this notebook": (
        "신경망은 이 노트북에서 작성한 클래스의 인스턴스여야 합니다"
    ),
    "write the network class in this notebook": "신경망 클래스를 이 노트북에서 작성해야 합니다",
    "the network class must not be a dlfs class or derive from one": (
        "신경망 클래스는 dlfs의 클래스이거나 그것을 상속하면 안 됩니다"
    ),
    "predict of 3 images of shape (1, 28, 28)": "형상이 (1, 28, 28)인 이미지 3장의 predict",
    "a deep CNN needs at least two convolution layers, found filters {filters}": (
        "깊은 CNN에는 합성곱 계층이 두 개 이상 있어야 하는데, 찾은 필터는 {filters}입니다"
    ),
    "use at least three weight layers, found {weights}": (
        "가중치가 있는 계층을 세 개 이상 써야 하는데, 찾은 것은 {weights}입니다"
    ),
    "gradient must return a dict with one entry per key of params": (
        "gradient는 params의 키마다 항목이 하나씩 있는 딕셔너리를 반환해야 합니다"
    ),
    "gradient must return one entry per key of params: got keys {got}, params has {keys}": (
        "gradient는 params의 키마다 항목을 하나씩 반환해야 합니다: 받은 키는 {got}, "
        "params의 키는 {keys}입니다"
    ),
    "the gradient of {key}": "{key}의 기울기",
    "{key} of shape {shape} has std {std:.4f}; He initialisation gives "
    "sqrt(2 / {fan_in}) = {he:.4f}": (
        "형상이 {shape}인 {key}의 표준편차가 {std:.4f}입니다. He 초깃값이라면 "
        "sqrt(2 / {fan_in}) = {he:.4f}입니다"
    ),
    "the network has no weight arrays to initialise": "신경망에 초기화할 가중치 배열이 없습니다",
    "build_network must draw its weights from rng (same seed, same weights)": (
        "build_network는 가중치를 rng로 뽑아야 합니다 (시드가 같으면 가중치도 같아야 합니다)"
    ),
    "different seeds must give different weights": "시드가 다르면 가중치도 달라야 합니다",
    "predict on {what}": "{what}에 대한 predict",
    "validation": "검증",
    "held-back test": "따로 떼어 둔 시험",
    "the {split} images": "{split} 이미지",
    "training did not finish within the limit of {limit:.0f} s (stopped after {seconds:.0f} s)": (
        "학습이 제한 시간 {limit:.0f}초 안에 끝나지 않았습니다 ({seconds:.0f}초 후 중단)"
    ),
    "training took {seconds:.0f} s, more than {limit:.0f} s": (
        "학습에 {seconds:.0f}초가 걸려 제한 시간 {limit:.0f}초를 넘었습니다"
    ),
    "predicting {count} images took {seconds:.0f} s, more than {limit:.0f} s": (
        "이미지 {count}장을 예측하는 데 {seconds:.0f}초가 걸려 제한 시간 {limit:.0f}초를 넘었습니다"
    ),
    "accuracy on the {split} images is {acc:.3f}, below {threshold} "
    "(training took {seconds:.0f} s)": (
        "{split} 이미지의 정확도가 {acc:.3f}로 {threshold}보다 낮습니다 (학습 {seconds:.0f}초)"
    ),
}
