# @title Colab 준비: 강좌 저장소를 받아 필요한 패키지를 설치합니다 (Colab이 아닌 곳에서는 아무 일도 하지 않습니다)
# 이 강좌 저장소의 git 주소입니다. 입력란에서 바꿀 수 있고, 환경 변수 COURSE_REPO_URL이 있으면 그 값을 먼저 씁니다.
COURSE_REPO_URL = ""  # @param {type:"string"}

import os
import sys

if "google.colab" in sys.modules:
    import subprocess

    repo_url = os.environ.get("COURSE_REPO_URL") or COURSE_REPO_URL
    course_dir = os.path.abspath("kerasnlp-course")  # Colab에서는 /content/kerasnlp-course
    if not os.path.isdir(os.path.join(course_dir, ".git")):
        if not repo_url:
            raise RuntimeError(
                "COURSE_REPO_URL이 비어 있습니다. 이 셀의 COURSE_REPO_URL 입력란에 강좌 저장소의 git 주소"
                "(예: https://github.com/계정/저장소.git)를 넣고 이 셀을 다시 실행하세요."
            )
        print("저장소를 받는 중:", repo_url)
        cloned = subprocess.run(["git", "clone", "--depth", "1", repo_url, course_dir], capture_output=True, text=True)
        if cloned.returncode:
            raise RuntimeError(
                f"저장소를 받지 못했습니다. COURSE_REPO_URL({repo_url})을 확인하세요.\n{cloned.stderr.strip()}"
            )
    if course_dir not in sys.path:
        sys.path.insert(0, course_dir)  # 런타임을 다시 시작하지 않아도 course_utils를 불러올 수 있게 합니다.
    from course_utils import colab

    # Colab에 있는 tensorflow·jax·torch의 GPU 빌드는 그대로 두고, 강좌에 필요한 것만 더 설치합니다.
    colab.install(course_dir)
